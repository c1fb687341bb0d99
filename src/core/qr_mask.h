/*
 * qr_mask.h — choosing a QR code's mask pattern, bit-parallel.
 *
 * After placing the data, an encoder tries the eight mask patterns of ISO/IEC 18004:2015
 * (Table 10), scores each symbol with the four penalty rules of 7.8.3 (runs of five or more
 * same-coloured modules, 2×2 blocks, finder-like 1:1:3:1:1 patterns, dark/light balance) and
 * keeps the lowest. libqrencode spends about 90 % of its encoding time there, module by
 * module. This module scores with 64 modules per machine word instead (rows and, on a
 * transposed copy, columns), and follows libqrencode's reading of the rules exactly, edge
 * cases included, so that the symbols it picks are identical to libqrencode's (the tests
 * check this on thousands of inputs). It works on libqrencode's module layout: one byte per
 * module, bit 0 set when dark, bit 7 set on function modules (which masks never touch).
 */
#ifndef HUTONG_CORE_QR_MASK_H
#define HUTONG_CORE_QR_MASK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/qr.h"

/* Mask patterns 000..111 (ISO/IEC 18004:2015, Table 10). */
#define QR_MASK_COUNT 8

/* Re-masks in place the symbol `modules` (width × width bytes, libqrencode layout) that was
 * built at level `ec` with mask pattern `mask_in`: scores the eight patterns, keeps the lowest
 * (the first one on a tie, as libqrencode does), and rewrites the data modules and both
 * copies of the format information. `width` must be a symbol width (21..177, 4k + 1) and
 * `mask_in` 0..7. Returns the chosen pattern. Uses about 26 KiB of stack and no heap. */
int qr_mask_apply_best(unsigned char *modules, size_t width, enum qr_ec ec, int mask_in);

/* Returns the penalty score of the symbol as it stands (format information included), by the
 * same rules qr_mask_apply_best() minimizes. Same preconditions. */
long qr_mask_penalty(const unsigned char *modules, size_t width);

/* True when mask pattern `mask` (0..7) inverts the module at column x, row y. */
bool qr_mask_inverts(int mask, size_t x, size_t y);

/* Returns the 15-bit format information for `ec` and `mask` (0..7): the 5 data bits, their
 * BCH(15,5) remainder, XOR 101010000010010 (ISO/IEC 18004:2015, 7.9.1). */
unsigned qr_mask_format_bits(enum qr_ec ec, int mask);

#endif

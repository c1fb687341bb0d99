#!/usr/bin/env bash
# bench/sheet.sh — a print sheet of many price tags: time, PDF size and peak memory for 1,000
# and 10,000 labels (default layout: A4, 3 × 7). Memory must not grow with the label count,
# since pages are streamed out as they are finished. The 10,000-label PDF is checked with
# pdfinfo (page count) and its last page's codes with zbarimg. Usage: bench/sheet.sh [counts...]
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 10000)

[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench/sheet_bench >/dev/null
mkdir -p bench/out

printf "| %8s | %5s | %9s | %12s | %10s | %13s |\n" labels pages seconds "ms per label" "PDF MiB" "peak RSS MiB"
printf "|%s|%s|%s|%s|%s|%s|\n" ---------- ------- ----------- -------------- ------------ ---------------
for n in "${counts[@]}"; do
  pdf="bench/out/sheet_$n.pdf"
  build/bench/sheet_bench "$n" "$pdf" >bench/out/sheet_$n.txt
  val() { awk -v k="$1" '$1 == k { print $2 }' "bench/out/sheet_$n.txt"; }
  pages=$(val pages)
  [ "$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')" = "$pages" ] || { echo "sheet: pdfinfo disagrees" >&2; exit 1; }
  printf "| %8d | %5d | %9.2f | %12.3f | %10.1f | %13.1f |\n" "$n" "$pages" "$(val seconds)" "$(val ms_per_label)" \
    "$(awk -v b="$(val pdf_bytes)" 'BEGIN { print b / 1048576 }')" "$(awk -v k="$(val peak_rss_kib)" 'BEGIN { print k / 1024 }')"
done
last="${counts[${#counts[@]}-1]}"
pdftoppm -r 150 -png -f "$(val pages)" -l "$(val pages)" -singlefile "bench/out/sheet_$last.pdf" bench/out/sheet_last
found=$(zbarimg --raw -q bench/out/sheet_last.png 2>/dev/null | wc -l || true)
echo
echo "last page of the $last-label sheet: zbarimg decoded $found codes"

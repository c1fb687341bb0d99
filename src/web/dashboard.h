/*
 * dashboard.h — the merchant dashboard under /M/: sign-in, products, orders, money, stats.
 */
#ifndef HUTONG_WEB_DASHBOARD_H
#define HUTONG_WEB_DASHBOARD_H

#include "http/request.h"

#endif

/* SPDX-License-Identifier: MIT */
/* krest's version, shown by --help, /metrics and the User-Agent. */
#ifndef KR_VERSION_H
#define KR_VERSION_H

#define KR_VERSION "0.1.0"

#endif

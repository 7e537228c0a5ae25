/*
 * text.h - safe text out of untrusted strings.
 *
 * Device names, driver names and callers come from the kernel or from a
 * recording someone handed us: they may hold control characters or escape
 * sequences. Nothing reaches a terminal or a JSON line without passing
 * through one of these.
 */
#ifndef DMATOP_TEXT_H
#define DMATOP_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Printable ASCII and valid UTF-8 pass, but for C1 controls and the
 * invisible or bidirectional formatting characters; every other byte
 * becomes \xNN.
 * Always NUL-terminates; truncates to fit. Returns dst. */
char *dm_text_escape(char *dst, size_t len, const char *src);
/* Write src as a JSON string, quotes included: valid UTF-8 passes but
 * for the characters dm_text_escape escapes, which become \uXXXX, as do
 * ASCII controls; a byte that is not UTF-8 becomes U+FFFD, so the line
 * stays JSON. */
void dm_text_json(FILE *out, const char *src);
/* How many bytes of s (escaped text) fill at most cols terminal columns
 * in the current locale, never cutting a character in two; *width gets
 * the columns they take. A wide character that does not fit whole is
 * left out. */
size_t dm_text_prefix(const char *s, int cols, int *width);

#endif

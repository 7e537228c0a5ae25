/*
 * text.c - see text.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "text.h"

/* Length of the valid UTF-8 sequence at s (2..4) and its code point in
 * *cp, or 0. Overlongs and surrogates are refused. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, *cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, *cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) ||
	    *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* C1 controls are read as escape sequences by terminals; invisible and
 * direction-changing characters reorder or hide what a terminal shows
 * ("Trojan Source"). */
static bool unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp < 0xa0) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff;
}

/* Length of the valid UTF-8 sequence at s (2..4) that is safe to show on
 * a terminal, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n = utf8_decode(s, &cp);

	return n && !unsafe(cp) ? n : 0;
}

char *dm_text_escape(char *dst, size_t len, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, n;

	if (!len)
		return dst;
	while (*s) {
		if (*s >= 0x20 && *s < 0x7f) {
			if (o + 1 >= len)
				break;
			dst[o++] = (char)*s++;
		} else if ((n = utf8_len(s))) {
			if (o + n >= len)
				break;
			memcpy(dst + o, s, n);
			o += n;
			s += n;
		} else {
			if (o + 4 >= len)
				break;
			snprintf(dst + o, 5, "\\x%02x", *s++);
			o += 4;
		}
	}
	dst[o] = 0;
	return dst;
}

size_t dm_text_prefix(const char *s, int cols, int *width)
{
	mbstate_t ps = { 0 };
	size_t o = 0, n, len = strlen(s);
	int w = 0, cw;
	wchar_t wc;

	while (o < len) {
		n = mbrtowc(&wc, s + o, len - o, &ps);
		if (n == (size_t)-1 || n == (size_t)-2 || !n) {
			/* not a character here: a byte, a column */
			memset(&ps, 0, sizeof(ps));
			n = 1;
			cw = 1;
		} else {
			cw = wcwidth(wc);
			cw = cw < 0 ? 1 : cw;
		}
		if (w + cw > cols)
			break;
		o += n;
		w += cw;
	}
	*width = w;
	return o;
}

void dm_text_json(FILE *out, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	uint32_t cp;
	size_t n;

	fputc('"', out);
	while (*s) {
		if (*s == '"' || *s == '\\') {
			fprintf(out, "\\%c", *s++);
		} else if (*s >= 0x20 && *s < 0x7f) {
			fputc(*s++, out);
		} else if (*s < 0x80) {
			fprintf(out, "\\u%04x", *s++);
		} else if ((n = utf8_decode(s, &cp))) {
			/* the unsafe ones are all in the BMP: one escape */
			if (unsafe(cp))
				fprintf(out, "\\u%04x", cp);
			else
				fwrite(s, 1, n, out);
			s += n;
		} else {
			/* not UTF-8: JSON must be, so say a byte was here */
			fputs("\\ufffd", out);
			s++;
		}
	}
	fputc('"', out);
}

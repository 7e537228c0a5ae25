/*
 * t-text.c - untrusted strings as JSON: text in any script survives as
 * itself, controls and bytes that are not UTF-8 do not reach the line,
 * and what comes out is always valid JSON. And cut to a terminal's
 * columns, never in the middle of a character.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "text.h"

static char *json(const char *src)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	if (!f)
		abort();
	dm_text_json(f, src);
	fclose(f);
	return buf;
}

/* Each string to JSON, as it must come out. */
static const struct {
	const char *src, *want, *what;
} json_cases[] = {
	{ "plain", "\"plain\"", "ASCII passes" },
	{ "a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash escaped" },
	{ "\x1b[31m\a\r\x7f", "\"\\u001b[31m\\u0007\\u000d\\u007f\"",
	  "ASCII controls escaped" },
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"", "\xc3\xa9 (U+00E9) passes" },
	{ "\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"",
	  "CJK passes" },
	{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"",
	  "U+1F600, beyond the BMP, passes whole" },
	{ "\xe2\x80\xae rtl", "\"\\u202e rtl\"",
	  "U+202E is one escape of its code point, not of its bytes" },
	{ "\xc2\x9b", "\"\\u009b\"", "C1 control U+009B as one escape" },
	{ "\xef\xbb\xbf", "\"\\ufeff\"", "byte order mark escaped" },
	{ "a\xff\xfe z", "\"a\\ufffd\\ufffd z\"",
	  "bytes that are not UTF-8 become U+FFFD" },
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"", "an overlong is refused" },
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
	  "an encoded surrogate is refused" },
	{ "\xe2\x80", "\"\\ufffd\\ufffd\"", "a cut sequence is refused" },
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
	  "beyond U+10FFFF is refused" },
};

/* Each string cut to cols columns: how many bytes, how many columns. */
static const struct {
	const char *s;
	int cols;
	size_t bytes;
	int width;
	const char *what;
} prefix_cases[] = {
	{ "abcdef", 4, 4, 4, "ASCII: a byte a column" },
	{ "ab", 4, 2, 2, "shorter than the columns: all of it" },
	/* caf\u00e9! : the e-acute is two bytes, one column */
	{ "caf\xc3\xa9!", 4, 5, 4,
	  "a two-byte character is one column, never cut" },
	{ "caf\xc3\xa9!", 3, 3, 3, "... and left out whole" },
	/* two CJK characters, three bytes and two columns each */
	{ "\xe6\x97\xa5\xe6\x9c\xac", 3, 3, 2,
	  "a wide character that does not fit whole is left out" },
	{ "\xe6\x97\xa5\xe6\x9c\xac", 4, 6, 4,
	  "two wide characters fill four columns" },
	{ "a\xff"
	  "b",
	  2, 2, 2, "a byte that is no character: a column" },
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(json_cases) / sizeof(*json_cases); i++) {
		const char *got = json(json_cases[i].src);

		if (!ok(!strcmp(got, json_cases[i].want), "%s",
			json_cases[i].what))
			printf("#   got:  %s\n#   want: %s\n", got,
			       json_cases[i].want);
	}
	if (!setlocale(LC_ALL, "C.UTF-8")) {
		ok(1, "# SKIP no C.UTF-8 locale");
		return done_testing();
	}
	for (i = 0; i < sizeof(prefix_cases) / sizeof(*prefix_cases); i++) {
		int w = -1;
		size_t n = dm_text_prefix(prefix_cases[i].s,
					  prefix_cases[i].cols, &w);

		if (!ok(n == prefix_cases[i].bytes &&
				w == prefix_cases[i].width,
			"%s", prefix_cases[i].what))
			printf("#   got %zu bytes, %d columns; want %zu, %d\n",
			       n, w, prefix_cases[i].bytes,
			       prefix_cases[i].width);
	}
	return done_testing();
}

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

static void is_json(const char *src, const char *want, const char *what)
{
	const char *got = json(src);

	if (!ok(!strcmp(got, want), "%s", what))
		printf("#   got:  %s\n#   want: %s\n", got, want);
}

static void is_prefix(const char *s, int cols, size_t bytes, int width,
		      const char *what)
{
	int w = -1;
	size_t n = dm_text_prefix(s, cols, &w);

	if (!ok(n == bytes && w == width, "%s", what))
		printf("#   got %zu bytes, %d columns; want %zu, %d\n", n, w,
		       bytes, width);
}

static void prefixes(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8")) {
		ok(1, "# SKIP no C.UTF-8 locale");
		return;
	}
	is_prefix("abcdef", 4, 4, 4, "ASCII: a byte a column");
	is_prefix("ab", 4, 2, 2, "shorter than the columns: all of it");
	/* caf\u00e9! : the e-acute is two bytes, one column */
	is_prefix("caf\xc3\xa9!", 4, 5, 4,
		  "a two-byte character is one column, never cut");
	is_prefix("caf\xc3\xa9!", 3, 3, 3, "... and left out whole");
	/* two CJK characters, three bytes and two columns each */
	is_prefix("\xe6\x97\xa5\xe6\x9c\xac", 3, 3, 2,
		  "a wide character that does not fit whole is left out");
	is_prefix("\xe6\x97\xa5\xe6\x9c\xac", 4, 6, 4,
		  "two wide characters fill four columns");
	is_prefix("a\xff"
		  "b",
		  2, 2, 2, "a byte that is no character: a column");
}

int main(void)
{
	is_json("plain", "\"plain\"", "ASCII passes");
	is_json("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash escaped");
	is_json("\x1b[31m\a\r\x7f", "\"\\u001b[31m\\u0007\\u000d\\u007f\"",
		"ASCII controls escaped");
	is_json("caf\xc3\xa9", "\"caf\xc3\xa9\"", "\xc3\xa9 (U+00E9) passes");
	is_json("\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"",
		"CJK passes");
	is_json("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"",
		"U+1F600, beyond the BMP, passes whole");
	is_json("\xe2\x80\xae rtl", "\"\\u202e rtl\"",
		"U+202E is one escape of its code point, not of its bytes");
	is_json("\xc2\x9b", "\"\\u009b\"", "C1 control U+009B as one escape");
	is_json("\xef\xbb\xbf", "\"\\ufeff\"", "byte order mark escaped");
	is_json("a\xff\xfe z", "\"a\\ufffd\\ufffd z\"",
		"bytes that are not UTF-8 become U+FFFD");
	is_json("\xc0\xaf", "\"\\ufffd\\ufffd\"", "an overlong is refused");
	is_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
		"an encoded surrogate is refused");
	is_json("\xe2\x80", "\"\\ufffd\\ufffd\"", "a cut sequence is refused");
	is_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
		"beyond U+10FFFF is refused");
	prefixes();
	return done_testing();
}

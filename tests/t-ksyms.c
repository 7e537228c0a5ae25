/*
 * t-ksyms.c - kallsyms text to names: module and built-in symbols out of
 * order, data symbols ignored, hidden (zero) addresses, malformed lines
 * counted, and the live /proc/kallsyms when it shows addresses; and
 * the functions modules tell as they load (modsyms.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ksyms.h"
#include "modsyms.h"
#include "tap.h"

static const char sample[] =
	"ffffffffc0a02000 t e1000_clean\t[e1000]\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81234000 T dma_map_page_attrs\n"
	"ffffffff81234800 D some_data\n"
	"ffffffffc0a01000 t e1000_alloc_rx_buffers\t[e1000]\n"
	"ffffffffc0b00000 T nvme_map_data\t[nvme]\n"
	"0000000000000000 T hidden\n"
	"not a line at all\n"
	"ffffffff8123zz00 T bad_hex\n"
	"ffffffffc0c00000 t no_bracket\tnvme]\n"
	"\n"
	"ffffffff81235000 t last";

static const char *name_in(struct dm_modsyms *m, uint64_t addr, char *buf,
			   size_t len)
{
	const struct dm_ksyms *t;

	if (!dm_modsyms_find(m, addr, &t))
		return "(none)";
	dm_ksyms_format(t, addr, buf, len);
	return buf;
}

/* a module loaded and gone between two reads of /proc/kallsyms */
static void told(void)
{
	struct dm_modsyms *m = dm_modsyms_new();
	uint64_t gen, whole, partial;
	char buf[160];

	dm_modsyms_begin(m, "edu", 0xffffffffc0a00000, 0x1000);
	dm_modsyms_add(m, "edu", "edu_probe", 0xffffffffc0a00000, 0x100);
	dm_modsyms_add(m, "edu", "edu_remove", 0xffffffffc0a00100, 0x80);
	/* init's text lies elsewhere, and is freed once init has run */
	dm_modsyms_add(m, "edu", "init_module", 0xffffffffc0f00000, 0x40);
	ok(!strcmp(name_in(m, 0xffffffffc0a00110, buf, sizeof(buf)), "(none)"),
	   "a module not yet told whole names nothing");
	gen = dm_modsyms_generation(m);
	dm_modsyms_end(m, "edu", 0);
	ok(dm_modsyms_generation(m) != gen, "... told whole: a new generation");
	ok(!strcmp(name_in(m, 0xffffffffc0a00110, buf, sizeof(buf)),
		   "edu!edu_remove+0x10"),
	   "an address in it: module!function+offset (%s)", buf);
	ok(!strcmp(name_in(m, 0xffffffffc0a01000, buf, sizeof(buf)), "(none)"),
	   "past its text: not its (%s)", buf);
	ok(!strcmp(name_in(m, 0xffffffffc0f00010, buf, sizeof(buf)), "(none)"),
	   "its init function: left out, its text is freed (%s)", buf);
	ok(!strcmp(name_in(m, 0xffffffffc0c00010, buf, sizeof(buf)), "(none)"),
	   "another module, between its init and its text: not its (%s)", buf);
	ok(!strcmp(name_in(m, 0xffffffff81000000, buf, sizeof(buf)), "(none)"),
	   "the kernel's own text: not a module's");

	/* loaded again, elsewhere: the first load is forgotten */
	dm_modsyms_begin(m, "edu", 0xffffffffc0b00000, 0x1000);
	dm_modsyms_add(m, "edu", "edu_probe", 0xffffffffc0b00000, 0x100);
	dm_modsyms_end(m, "edu", 0);
	ok(!strcmp(name_in(m, 0xffffffffc0a00010, buf, sizeof(buf)), "(none)"),
	   "a module loaded again: its old addresses name nothing");
	ok(!strcmp(name_in(m, 0xffffffffc0b00010, buf, sizeof(buf)),
		   "edu!edu_probe+0x10"),
	   "... its new ones do (%s)", buf);

	/* another module now where edu was: edu is gone */
	dm_modsyms_begin(m, "e1000", 0xffffffffc0b00000, 0x4000);
	dm_modsyms_add(m, "e1000", "e1000_clean", 0xffffffffc0b00040, 0x200);
	dm_modsyms_end(m, "e1000", 0);
	ok(!strcmp(name_in(m, 0xffffffffc0b00010, buf, sizeof(buf)), "(none)"),
	   "a module loaded where another lay: the other is forgotten");
	ok(!strcmp(name_in(m, 0xffffffffc0b00050, buf, sizeof(buf)),
		   "e1000!e1000_clean+0x10"),
	   "... and the new one names its addresses (%s)", buf);

	/* told in part: forgotten, for kallsyms to name */
	dm_modsyms_begin(m, "nvme", 0xffffffffc0c00000, 0x1000);
	dm_modsyms_add(m, "nvme", "nvme_map_data", 0xffffffffc0c00000, 0x100);
	dm_modsyms_end(m, "nvme", 3);
	ok(!strcmp(name_in(m, 0xffffffffc0c00010, buf, sizeof(buf)), "(none)"),
	   "a module told in part names nothing");
	dm_modsyms_counts(m, &whole, &partial);
	ok(whole == 3 && partial == 1,
	   "3 loads told whole, 1 in part (%llu, %llu)",
	   (unsigned long long)whole, (unsigned long long)partial);

	ok(dm_modsyms_begin(m, "a b", 0xffffffffc0d00000, 16) == -EINVAL &&
		   dm_modsyms_begin(m, "", 0xffffffffc0d00000, 16) == -EINVAL &&
		   dm_modsyms_begin(m, "x]", 0xffffffffc0d00000, 16) ==
			   -EINVAL &&
		   dm_modsyms_begin(m, "wraps", UINT64_MAX - 1, 16) == -EINVAL,
	   "a module name kallsyms could not print, or text past the end "
	   "of memory: refused");
	dm_modsyms_begin(m, "ok", 0xffffffffc0d00000, 16);
	ok(dm_modsyms_add(m, "ok", "evil\n0 T x", 0xffffffffc0d00000, 1) ==
			   -EINVAL &&
		   dm_modsyms_add(m, "ok", "\x1b[2J", 0xffffffffc0d00000, 1) ==
			   -EINVAL &&
		   dm_modsyms_add(m, "never", "f", 0xffffffffc0d00000, 1) ==
			   -EINVAL,
	   "... and a function name with a line break or an escape, or of a "
	   "module never begun");
	dm_modsyms_free(m);
}

/* /proc/modules lines: name size uses users state address */
static void modules(void)
{
	static const char base[] = "e1000 155648 0 - Live 0xffffffffc0a00000\n"
				   "nvme 57344 2 - Live 0xffffffffc0b00000\n";
	static const char used[] =
		"e1000 155648 3 - Live 0xffffffffc0a00000\n"
		"nvme 57344 2 nvme_core, Unloading 0xffffffffc0b00000\n";
	static const char moved[] = "e1000 155648 0 - Live 0xffffffffc0c00000\n"
				    "nvme 57344 2 - Live 0xffffffffc0b00000\n";
	static const char more[] = "e1000 155648 0 - Live 0xffffffffc0a00000\n"
				   "nvme 57344 2 - Live 0xffffffffc0b00000\n"
				   "edu 16384 0 - Loading 0xffffffffc0d00000\n";
	uint64_t sig = dm_ksyms_modules_sig(base, sizeof(base) - 1), live;
	int fd;

	ok(sig == dm_ksyms_modules_sig(used, sizeof(used) - 1),
	   "modules: a use count, users or state changing keeps the symbols");
	ok(sig != dm_ksyms_modules_sig(moved, sizeof(moved) - 1),
	   "modules: a module loaded again elsewhere does not");
	ok(sig != dm_ksyms_modules_sig(more, sizeof(more) - 1),
	   "modules: nor does a module more");
	fd = open("/proc/modules", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag("no /proc/modules here: live part skipped");
		return;
	}
	ok(dm_ksyms_modules_sig_fd(fd, &sig) == 0 &&
		   dm_ksyms_modules_sig_fd(fd, &live) == 0 && sig == live,
	   "modules: /proc/modules read twice from one fd, the same");
	close(fd);
}

int main(void)
{
	struct dm_ksyms ks = { 0 };
	char buf[128];
	FILE *f;
	size_t n;
	int fd;

	ok(dm_ksyms_parse(&ks, sample, sizeof(sample) - 1) == 0, "parse");
	is_u64(ks.n, 6, "text symbols with an address are kept");
	is_u64(ks.rejected, 3, "malformed lines are counted");
	is_u64(ks.core_end, 0xffffffff81235000ull,
	       "the kernel's own text ends at its last symbol, before the "
	       "modules'");
	dm_ksyms_format(&ks, 0xffffffffc0a011a4ull, buf, sizeof(buf));
	ok(!strcmp(buf, "e1000!e1000_alloc_rx_buffers+0x1a4"), "module: %s",
	   buf);
	dm_ksyms_format(&ks, 0xffffffff81234010ull, buf, sizeof(buf));
	ok(!strcmp(buf, "dma_map_page_attrs+0x10"), "built in: %s", buf);
	dm_ksyms_format(&ks, 0xffffffff81234900ull, buf, sizeof(buf));
	ok(!strcmp(buf, "dma_map_page_attrs+0x900"),
	   "data symbols do not split functions: %s", buf);
	dm_ksyms_format(&ks, 0xffffffffc0b00000ull, buf, sizeof(buf));
	ok(!strcmp(buf, "nvme!nvme_map_data+0x0"),
	   "the symbol's own address: %s", buf);
	dm_ksyms_format(&ks, 0x1000, buf, sizeof(buf));
	ok(!strcmp(buf, "0x1000"), "below every symbol: the address (%s)", buf);
	dm_ksyms_format(&ks, 0xffffffff81235004ull, buf, sizeof(buf));
	ok(!strcmp(buf, "last+0x4"), "a last line without newline: %s", buf);
	ok(dm_ksyms_parse(&ks, "", 0) == 0 && ks.n == 0 &&
		   !dm_ksyms_find(&ks, 0xffffffff81000000ull),
	   "an empty table finds nothing");
	ok(dm_ksyms_load(&ks, "/nonexistent/kallsyms") == -ENOENT,
	   "a missing file: -ENOENT");

	f = fopen("/proc/kallsyms", "r");
	if (f && fgets(buf, sizeof(buf), f) && strncmp(buf, "0000", 4)) {
		const struct dm_ksym *s;
		int rc = dm_ksyms_load(&ks, "/proc/kallsyms");

		ok(rc == 0 && ks.n > 1000,
		   "/proc/kallsyms: %zu text symbols, %zu malformed", ks.n,
		   ks.rejected);
		is_u64(ks.rejected, 0, "... every line of the kernel's parses");
		fd = open("/proc/kallsyms", O_RDONLY);
		n = ks.n;
		/* not exactly n: BPF programs loaded meanwhile (other
		 * tests) come and go in kallsyms; a second read that
		 * started at the end would find none, one that appended
		 * twice as many */
		ok(fd >= 0 && dm_ksyms_load_fd(&ks, fd) == 0 &&
			   dm_ksyms_load_fd(&ks, fd) == 0 && ks.n > n / 2 &&
			   ks.n < n + n / 2,
		   "... read twice through one fd, the whole table again "
		   "(%zu, %zu)",
		   n, ks.n);
		if (fd >= 0)
			close(fd);
		s = dm_ksyms_find(&ks, ks.sym[ks.n / 2].addr + 1);
		ok(s && s->addr <= ks.sym[ks.n / 2].addr + 1,
		   "... a lookup lands at or below the address");
	} else {
		diag("/proc/kallsyms hides addresses here: live part skipped");
	}
	if (f)
		fclose(f);
	dm_ksyms_free(&ks);
	modules();
	told();
	return done_testing();
}

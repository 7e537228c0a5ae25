/*
 * t-ksyms.c - kallsyms text to names: module and built-in symbols out of
 * order, data symbols ignored, hidden (zero) addresses, malformed lines
 * counted, and the live /proc/kallsyms when it shows addresses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ksyms.h"
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
	return done_testing();
}

/*
 * dump.c - see dump.h. The layout, spacing and trailing blanks follow the
 * !dma sample output in the WinDbg reference, character for character.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "dump.h"
#include "text.h"

#define LL(x) ((unsigned long long)(x))

/*
 * Lines go through a sink that prints only those in [first, end) and
 * counts them all, so that a view can show a window of an adapter with
 * 100,000 map register files without formatting the other 99,990: whole
 * objects outside the window are skipped by their line count.
 */
struct sink {
	FILE *f;
	uint64_t line, first, end;
	int cols; /* the screen's, where a line may be split; 0: none */
	/* the object of the block being printed, 0 outside one, for each
	 * line in the window when objects is not NULL */
	uint64_t object, *objects;
};

/* One line of the window, or none outside it. */
static void put(struct sink *s, const char *text, int len)
{
	if (s->line >= s->first && s->line < s->end) {
		if (s->objects)
			s->objects[s->line - s->first] = s->object;
		fprintf(s->f, "%.*s\n", len, text);
	}
	s->line++;
}

/* A line, or where the screen is narrower (cols), the line in parts
 * broken between words, the rest indented: !dma's widest lines are a
 * few columns past the narrowest screen. */
__attribute__((format(printf, 2, 3))) static void emit(struct sink *s,
						       const char *fmt, ...)
{
	char buf[2][520];
	const char *at = buf[0];
	va_list ap;
	int n, cut, cur = 0;

	va_start(ap, fmt);
	vsnprintf(buf[0], sizeof(buf[0]), fmt, ap);
	va_end(ap);
	n = (int)strlen(at);
	while (s->cols > 8 && n > s->cols) {
		for (cut = s->cols; cut > 0 && at[cut] != ' '; cut--)
			;
		if (cut <= 0)
			cut = s->cols;
		put(s, at, cut);
		while (at[cut] == ' ')
			cut++;
		cur = !cur;
		snprintf(buf[cur], sizeof(buf[cur]), "      %.500s", at + cut);
		at = buf[cur];
		n = (int)strlen(at);
	}
	put(s, at, n);
}

/* The blank line before an object's block; the lines after it are the
 * object's. */
static void block(struct sink *s, uint64_t object)
{
	s->object = 0;
	emit(s, "%s", "");
	s->object = object;
}

/* Skip n lines when none of them is in the window. */
static bool skip(struct sink *s, uint64_t n)
{
	if (s->line + n <= s->first || s->line >= s->end) {
		s->line += n;
		return true;
	}
	return false;
}

static const char *owner(const struct dm_strtab *st, uint32_t id, char *buf,
			 size_t len)
{
	return dm_text_escape(buf, len, dm_strtab_get(st, id));
}

static bool linux_dev(const struct dm_vadapter *ad)
{
	return DM_DESC_OPS(ad->desc) != 0;
}

void dm_dump_list(FILE *out, const struct dm_vrf *vrf,
		  const struct dm_strtab *st)
{
	uint32_t i, n = dm_vrf_adapter_count(vrf);
	bool hal = !n; /* a HAL's adapter listed: the master adapter too */
	char buf[256];

	fprintf(out, "\nDumping all DMA adapters...\n\n");
	for (i = 0; i < n; i++) {
		const struct dm_vadapter *ad = dm_vrf_adapter(vrf, i);

		if (!ad->live)
			continue;
		hal |= !linux_dev(ad);
		fprintf(out, "Adapter: %08llx     Owner: %s ", LL(ad->handle),
			owner(st, ad->owner, buf, sizeof(buf)));
		/* a kernel's device by its name, where !dma has none */
		if (dm_vadapter_named(ad))
			fprintf(out, "(%s)",
				owner(st, ad->name, buf, sizeof(buf)));
		fputc('\n', out);
	}
	if (hal)
		fprintf(out, "Master adapter: %08llx\n",
			LL(dm_vrf_master(vrf)));
}

/* A kernel's device: what its Generic block's Windows words would give
 * as zeros (master adapter, WCB, channels) left out, the counts in the
 * DMA API's words. */
static void generic_linux(struct sink *out, const struct dm_vadapter *ad)
{
	emit(out, "%s", "");
	emit(out, "   Dma verifier additional information:");
	emit(out, "   Streaming mappings:   %08llx mapped, %08llx unmapped",
	     LL(ad->mr_alloc), LL(ad->mr_freed));
	emit(out, "   Scatter-gather lists: %08llx mapped, %08llx unmapped",
	     LL(ad->sg_alloc), LL(ad->sg_freed));
	emit(out, "   Coherent buffers:     %08llx allocated, %08llx freed",
	     LL(ad->cb_alloc), LL(ad->cb_freed));
}

static void generic(struct sink *out, const struct dm_vrf *vrf,
		    const struct dm_vadapter *ad)
{
	uint32_t f, mapped = 0, allocated = 0;

	for (f = ad->files.head; f != DM_VRF_NONE;) {
		const struct dm_vfile *file = dm_vrf_file(vrf, f);

		if (file->base == ad->cur_base && ad->cur_base) {
			mapped = file->mapped;
			allocated = file->nregs;
		}
		f = file->next;
	}
	emit(out, " MasterAdapter:       %08llx", LL(ad->master));
	emit(out, "   Adapter base Va      %08llx", 0ull);
	emit(out, "   Map register base:   %08llx", LL(ad->cur_base));
	emit(out, " WCB:                 %08llx", LL(ad->wcb));
	emit(out, "   Map registers: %08x mapped, %08x allocated, %08x max",
	     mapped, allocated, ad->max_mapregs);
	emit(out, "%s", "");
	emit(out, "   Dma verifier additional information:");
	emit(out, "   DeviceObject: %08llx", LL(ad->devobj));
	emit(out, "   Map registers:        %08llx allocated, %08llx freed",
	     LL(ad->mr_alloc), LL(ad->mr_freed));
	emit(out, "   Scatter-gather lists: %08llx allocated, %08llx freed",
	     LL(ad->sg_alloc), LL(ad->sg_freed));
	emit(out, "   Common buffers:       %08llx allocated, %08llx freed",
	     LL(ad->cb_alloc), LL(ad->cb_freed));
	emit(out, "   Adapter channels:     %08llx allocated, %08llx freed",
	     LL(ad->ch_alloc), LL(ad->ch_freed));
	emit(out, "   Bytes mapped since last flush: %08llx",
	     LL(ad->bytes_since_flush));
}

/* A kernel's device (its DMA ops known): the !dma layout holds it, with
 * the Linux word where the Windows one names nothing there. */
static void mapregs(struct sink *out, const struct dm_vrf *vrf,
		    const struct dm_strtab *st, const struct dm_vadapter *ad)
{
	char buf[256];
	uint32_t f, r;

	for (f = ad->files.head; f != DM_VRF_NONE;) {
		const struct dm_vfile *file = dm_vrf_file(vrf, f);

		if (skip(out, 4 + (uint64_t)file->nregs)) {
			f = file->next;
			continue;
		}
		block(out, file->base);
		emit(out, "  Map register file %08llx (%u/%u mapped)",
		     LL(file->base), file->mapped, file->nregs);
		/* a streaming mapping has no double buffer: in its place,
		 * what the mapping is */
		if (linux_dev(ad))
			emit(out, "     Streaming mapping: %s, by %s",
			     dm_dir_name(file->dir),
			     owner(st, file->caller, buf, sizeof(buf)));
		else
			emit(out, "     Double buffer mdl: %08llx",
			     LL(file->dbl_mdl));
		emit(out, "     Map registers:");
		for (r = 0; r < file->nregs; r++) {
			const struct dm_vreg *reg = &DM_VFILE_REG(file)[r];
			uint64_t at =
				file->reg0 + (uint64_t)r * DM_MAPREG_STRIDE;

			if (reg->len)
				emit(out,
				     "        %08llx: %04x bytes mapped to %08llx",
				     LL(at), reg->len, LL(reg->va));
			else
				emit(out, "        %08llx: Not mapped", LL(at));
		}
		f = file->next;
	}
}

static void common(struct sink *out, const struct dm_vrf *vrf,
		   const struct dm_strtab *st, const struct dm_vadapter *ad)
{
	char buf[256];
	uint32_t c;

	for (c = ad->cbs.head; c != DM_VRF_NONE;) {
		const struct dm_vcb *cb = dm_vrf_cb(vrf, c);

		if (skip(out, 5)) {
			c = cb->next;
			continue;
		}
		block(out, cb->va);
		emit(out, "   Common buffer allocated by %s:",
		     owner(st, cb->caller, buf, sizeof(buf)));
		emit(out, "      Length:           %llx", LL(cb->len));
		emit(out, "      Virtual address:  %08llx", LL(cb->va));
		/* what the device is given: an IOVA behind an IOMMU */
		emit(out, "      %s %llx",
		     linux_dev(ad) ? "DMA address:     " : "Physical address:",
		     LL(cb->dma));
		c = cb->next;
	}
}

static void sglists(struct sink *out, const struct dm_vrf *vrf,
		    const struct dm_strtab *st, const struct dm_vadapter *ad)
{
	char buf[256];
	uint32_t s;

	for (s = ad->sgs.head; s != DM_VRF_NONE;) {
		const struct dm_vsg *sg = dm_vrf_sg(vrf, s);

		if (skip(out, linux_dev(ad) ? 4 : 6)) {
			s = sg->next;
			continue;
		}
		block(out, sg->handle);
		emit(out, "   Scatter/gather list %08llx allocated by %s:",
		     LL(sg->handle), owner(st, sg->caller, buf, sizeof(buf)));
		/* a kernel's scatterlist has no MDL: its entries instead */
		if (linux_dev(ad)) {
			emit(out,
			     "      Entries:          %llu asked, %llu mapped",
			     LL(sg->len), LL(sg->dma));
		} else {
			emit(out, "      Mdl:              %08llx",
			     LL(sg->mdl));
			emit(out, "      Virtual address:  %08llx", LL(sg->va));
			emit(out, "      Length:           %llx", LL(sg->len));
		}
		emit(out, "      Direction:        %s", dm_dir_name(sg->dir));
		s = sg->next;
	}
}

static const char *yes(uint64_t desc, uint64_t bit)
{
	return desc & bit ? "TRUE" : "FALSE";
}

static void description(struct sink *out, const struct dm_strtab *st,
			const struct dm_vadapter *ad)
{
	static const char *const iface[] = {
		"Internal",
		"Isa",
		"Eisa",
		"MicroChannel",
		"TurboChannel",
		"PCIBus",
		"VMEBus",
		"NuBus",
		"PCMCIABus",
		"CBus",
		"MPIBus",
		"MPSABus",
		"ProcessorInternal",
		"InternalPowerBus",
		"PNPISABus",
		"PNPBus",
		"Vmcs",
		"ACPIBus",
	};
	static const char *const width[] = { "Width8Bits", "Width16Bits",
					     "Width32Bits", "Width64Bits" };
	static const char *const ops[] = { "", "direct", "iommu", "other" };
	unsigned i = DM_DESC_IFACE(ad->desc), w = DM_DESC_WIDTH(ad->desc);
	char buf[256];

	emit(out, "%s", "");
	emit(out, "   Device description:");
	emit(out, "      Version:            %u", DM_DESC_VERSION(ad->desc));
	emit(out, "      Master:             %s",
	     yes(ad->desc, DM_DESC_MASTER));
	emit(out, "      ScatterGather:      %s",
	     yes(ad->desc, DM_DESC_SCATTER_GATHER));
	emit(out, "      Dma32BitAddresses:  %s", yes(ad->desc, DM_DESC_DMA32));
	emit(out, "      Dma64BitAddresses:  %s", yes(ad->desc, DM_DESC_DMA64));
	emit(out, "      InterfaceType:      %s",
	     i < sizeof(iface) / sizeof(iface[0]) ? iface[i] : "Unknown");
	emit(out, "      DmaWidth:           %s", w < 4 ? width[w] : "?");
	emit(out, "      DmaChannel:         %u", DM_DESC_CHANNEL(ad->desc));
	emit(out, "      MaximumLength:      %llx", LL(ad->maxlen));
	emit(out, "      CacheCoherent:      %s",
	     ad->desc & DM_DESC_NONCOHERENT ? "FALSE" : "TRUE");
	emit(out, "      BehindIommu:        %s", yes(ad->desc, DM_DESC_IOMMU));
	/* Linux only: how the kernel does the device's DMA */
	if (DM_DESC_OPS(ad->desc))
		emit(out, "      DmaOps:             %s%s",
		     ops[DM_DESC_OPS(ad->desc)],
		     ad->desc & DM_DESC_BOUNCE ? ", swiotlb bounces all" : "");
	/* the width in its mask: Dma32BitAddresses says at most 32 */
	if (DM_DESC_MASK_BITS(ad->desc))
		emit(out, "      DmaMask:            %u bits",
		     DM_DESC_MASK_BITS(ad->desc));
	emit(out, "      Device:             %s",
	     dm_text_escape(buf, sizeof(buf), dm_strtab_get(st, ad->name)));
}

static void wcb(struct sink *out, const struct dm_strtab *st,
		const struct dm_vadapter *ad)
{
	char buf[256];

	emit(out, "%s", "");
	emit(out, "   Wait context block: %08llx", LL(ad->wcb));
	emit(out, "      Waiting:              %s",
	     ad->wcb_queued ? "yes" : "no");
	if (!ad->wcb_queued)
		return;
	emit(out, "      Map registers needed: %08x", ad->wcb_regs);
	emit(out, "      Requested by:         %s",
	     owner(st, ad->wcb_caller, buf, sizeof(buf)));
}

static int adapter(struct sink *out, const struct dm_vrf *vrf,
		   const struct dm_strtab *st, uint64_t handle, unsigned flags)
{
	uint32_t i = dm_vrf_adapter_find(vrf, handle);
	const struct dm_vadapter *ad = dm_vrf_adapter(vrf, i);
	char buf[256], name[256];

	if (flags & ~DM_DUMP_ALL || !flags)
		return -EINVAL;
	if (i == DM_VRF_NONE || !ad->live)
		return -ENOENT;
	if (dm_vadapter_named(ad))
		emit(out, "Adapter: %08llx     Owner: %s (%s)", LL(ad->handle),
		     owner(st, ad->owner, buf, sizeof(buf)),
		     owner(st, ad->name, name, sizeof(name)));
	else if (flags & DM_DUMP_GENERIC)
		emit(out, "Adapter: %08llx     Owner: %s (0x%08llx)",
		     LL(ad->handle), owner(st, ad->owner, buf, sizeof(buf)),
		     LL(ad->owner_ra));
	else
		emit(out, "Adapter: %08llx     Owner: %s ", LL(ad->handle),
		     owner(st, ad->owner, buf, sizeof(buf)));
	if ((flags & DM_DUMP_GENERIC) && linux_dev(ad))
		generic_linux(out, ad);
	else if (flags & DM_DUMP_GENERIC)
		generic(out, vrf, ad);
	if (flags & DM_DUMP_MAPREGS)
		mapregs(out, vrf, st, ad);
	if (flags & DM_DUMP_COMMON)
		common(out, vrf, st, ad);
	if (flags & DM_DUMP_SG)
		sglists(out, vrf, st, ad);
	out->object = 0;
	if (flags & DM_DUMP_DESC)
		description(out, st, ad);
	if (flags & DM_DUMP_WCB)
		wcb(out, st, ad);
	return 0;
}

int dm_dump_adapter(FILE *out, const struct dm_vrf *vrf,
		    const struct dm_strtab *st, uint64_t handle, unsigned flags)
{
	struct sink s = { out, 0, 0, UINT64_MAX, 0, 0, NULL };

	return adapter(&s, vrf, st, handle, flags);
}

int64_t dm_dump_adapter_window(FILE *out, const struct dm_vrf *vrf,
			       const struct dm_strtab *st, uint64_t handle,
			       unsigned flags, uint64_t first, uint64_t count,
			       int cols, uint64_t *objects)
{
	struct sink s = { out, 0, first, first + count, cols, 0, objects };
	int err = adapter(&s, vrf, st, handle, flags);

	return err ? err : (int64_t)s.line;
}

void dm_dump_help(FILE *out)
{
	fprintf(out,
		"Usage: !dma [Adapter [Flags]]   (dmatop: --dump[=ADAPTER[,FLAGS]])\n"
		"  Adapter  hexadecimal address of a DMA adapter; 0 or none "
		"lists them all\n"
		"  Flags    any sum of: 0x1 generic information (default), "
		"0x2 map registers,\n"
		"           0x4 common buffers, 0x8 scatter/gather lists, "
		"0x10 device description,\n"
		"           0x20 wait context block\n");
}

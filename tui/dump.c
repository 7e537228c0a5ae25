/*
 * dump.c - see dump.h. The layout, spacing and trailing blanks follow the
 * !dma sample output in the WinDbg reference, character for character.
 */
#include <errno.h>

#include "dump.h"
#include "text.h"

#define LL(x) ((unsigned long long)(x))

static const char *owner(const struct dm_strtab *st, uint32_t id, char *buf,
			 size_t len)
{
	return dm_text_escape(buf, len, dm_strtab_get(st, id));
}

void dm_dump_list(FILE *out, const struct dm_vrf *vrf,
		  const struct dm_strtab *st)
{
	uint32_t i, n = dm_vrf_adapter_count(vrf);
	char buf[256];

	fprintf(out, "\nDumping all DMA adapters...\n\n");
	for (i = 0; i < n; i++) {
		const struct dm_vadapter *ad = dm_vrf_adapter(vrf, i);

		if (ad->live)
			fprintf(out, "Adapter: %08llx     Owner: %s \n",
				LL(ad->handle),
				owner(st, ad->owner, buf, sizeof(buf)));
	}
	fprintf(out, "Master adapter: %08llx\n", LL(dm_vrf_master(vrf)));
}

static void generic(FILE *out, const struct dm_vrf *vrf,
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
	fprintf(out, " MasterAdapter:       %08llx\n", LL(ad->master));
	fprintf(out, "   Adapter base Va      %08llx\n", 0ull);
	fprintf(out, "   Map register base:   %08llx\n", LL(ad->cur_base));
	fprintf(out, " WCB:                 %08llx\n", LL(ad->wcb));
	fprintf(out,
		"   Map registers: %08x mapped, %08x allocated, "
		"%08x max\n",
		mapped, allocated, ad->max_mapregs);
	fprintf(out, "\n   Dma verifier additional information:\n");
	fprintf(out, "   DeviceObject: %08llx\n", LL(ad->devobj));
	fprintf(out,
		"   Map registers:        %08llx allocated, %08llx freed\n",
		LL(ad->mr_alloc), LL(ad->mr_freed));
	fprintf(out,
		"   Scatter-gather lists: %08llx allocated, %08llx freed\n",
		LL(ad->sg_alloc), LL(ad->sg_freed));
	fprintf(out,
		"   Common buffers:       %08llx allocated, %08llx freed\n",
		LL(ad->cb_alloc), LL(ad->cb_freed));
	fprintf(out,
		"   Adapter channels:     %08llx allocated, %08llx freed\n",
		LL(ad->ch_alloc), LL(ad->ch_freed));
	fprintf(out, "   Bytes mapped since last flush: %08llx\n",
		LL(ad->bytes_since_flush));
}

static void mapregs(FILE *out, const struct dm_vrf *vrf,
		    const struct dm_vadapter *ad)
{
	uint32_t f, r;

	for (f = ad->files.head; f != DM_VRF_NONE;) {
		const struct dm_vfile *file = dm_vrf_file(vrf, f);

		fprintf(out, "\n  Map register file %08llx (%u/%u mapped)\n",
			LL(file->base), file->mapped, file->nregs);
		fprintf(out, "     Double buffer mdl: %08llx\n",
			LL(file->dbl_mdl));
		fprintf(out, "     Map registers:\n");
		for (r = 0; r < file->nregs; r++) {
			const struct dm_vreg *reg = &file->reg[r];
			uint64_t at =
				file->reg0 + (uint64_t)r * DM_MAPREG_STRIDE;

			if (reg->len)
				fprintf(out,
					"        %08llx: %04x bytes mapped "
					"to %08llx\n",
					LL(at), reg->len, LL(reg->va));
			else
				fprintf(out, "        %08llx: Not mapped\n",
					LL(at));
		}
		f = file->next;
	}
}

static void common(FILE *out, const struct dm_vrf *vrf,
		   const struct dm_strtab *st, const struct dm_vadapter *ad)
{
	char buf[256];
	uint32_t c;

	for (c = ad->cbs.head; c != DM_VRF_NONE;) {
		const struct dm_vcb *cb = dm_vrf_cb(vrf, c);

		fprintf(out, "\n   Common buffer allocated by %s:\n",
			owner(st, cb->caller, buf, sizeof(buf)));
		fprintf(out, "      Length:           %llx\n", LL(cb->len));
		fprintf(out, "      Virtual address:  %08llx\n", LL(cb->va));
		fprintf(out, "      Physical address: %llx\n", LL(cb->dma));
		c = cb->next;
	}
}

static void sglists(FILE *out, const struct dm_vrf *vrf,
		    const struct dm_strtab *st, const struct dm_vadapter *ad)
{
	char buf[256];
	uint32_t s;

	for (s = ad->sgs.head; s != DM_VRF_NONE;) {
		const struct dm_vsg *sg = dm_vrf_sg(vrf, s);

		fprintf(out,
			"\n   Scatter/gather list %08llx allocated by %s:\n",
			LL(sg->handle),
			owner(st, sg->caller, buf, sizeof(buf)));
		fprintf(out, "      Mdl:              %08llx\n", LL(sg->mdl));
		fprintf(out, "      Virtual address:  %08llx\n", LL(sg->va));
		fprintf(out, "      Length:           %llx\n", LL(sg->len));
		fprintf(out, "      Direction:        %s\n",
			dm_dir_name(sg->dir));
		s = sg->next;
	}
}

static const char *yes(uint64_t desc, uint64_t bit)
{
	return desc & bit ? "TRUE" : "FALSE";
}

static void description(FILE *out, const struct dm_strtab *st,
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
	unsigned i = DM_DESC_IFACE(ad->desc), w = DM_DESC_WIDTH(ad->desc);
	char buf[256];

	fprintf(out, "\n   Device description:\n");
	fprintf(out, "      Version:            %u\n",
		DM_DESC_VERSION(ad->desc));
	fprintf(out, "      Master:             %s\n",
		yes(ad->desc, DM_DESC_MASTER));
	fprintf(out, "      ScatterGather:      %s\n",
		yes(ad->desc, DM_DESC_SCATTER_GATHER));
	fprintf(out, "      Dma32BitAddresses:  %s\n",
		yes(ad->desc, DM_DESC_DMA32));
	fprintf(out, "      Dma64BitAddresses:  %s\n",
		yes(ad->desc, DM_DESC_DMA64));
	fprintf(out, "      InterfaceType:      %s\n",
		i < sizeof(iface) / sizeof(iface[0]) ? iface[i] : "Unknown");
	fprintf(out, "      DmaWidth:           %s\n", w < 4 ? width[w] : "?");
	fprintf(out, "      DmaChannel:         %u\n",
		DM_DESC_CHANNEL(ad->desc));
	fprintf(out, "      MaximumLength:      %llx\n", LL(ad->maxlen));
	fprintf(out, "      CacheCoherent:      %s\n",
		ad->desc & DM_DESC_NONCOHERENT ? "FALSE" : "TRUE");
	fprintf(out, "      BehindIommu:        %s\n",
		yes(ad->desc, DM_DESC_IOMMU));
	fprintf(out, "      Device:             %s\n",
		dm_text_escape(buf, sizeof(buf), dm_strtab_get(st, ad->name)));
}

static void wcb(FILE *out, const struct dm_strtab *st,
		const struct dm_vadapter *ad)
{
	char buf[256];

	fprintf(out, "\n   Wait context block: %08llx\n", LL(ad->wcb));
	fprintf(out, "      Waiting:              %s\n",
		ad->wcb_queued ? "yes" : "no");
	if (!ad->wcb_queued)
		return;
	fprintf(out, "      Map registers needed: %08x\n", ad->wcb_regs);
	fprintf(out, "      Requested by:         %s\n",
		owner(st, ad->wcb_caller, buf, sizeof(buf)));
}

int dm_dump_adapter(FILE *out, const struct dm_vrf *vrf,
		    const struct dm_strtab *st, uint64_t adapter,
		    unsigned flags)
{
	uint32_t i = dm_vrf_adapter_find(vrf, adapter);
	const struct dm_vadapter *ad = dm_vrf_adapter(vrf, i);
	char buf[256];

	if (flags & ~DM_DUMP_ALL || !flags)
		return -EINVAL;
	if (i == DM_VRF_NONE || !ad->live)
		return -ENOENT;
	fprintf(out, "Adapter: %08llx     Owner: %s", LL(ad->handle),
		owner(st, ad->owner, buf, sizeof(buf)));
	if (flags & DM_DUMP_GENERIC)
		fprintf(out, " (0x%08llx)\n", LL(ad->owner_ra));
	else
		fprintf(out, " \n");
	if (flags & DM_DUMP_GENERIC)
		generic(out, vrf, ad);
	if (flags & DM_DUMP_MAPREGS)
		mapregs(out, vrf, ad);
	if (flags & DM_DUMP_COMMON)
		common(out, vrf, st, ad);
	if (flags & DM_DUMP_SG)
		sglists(out, vrf, st, ad);
	if (flags & DM_DUMP_DESC)
		description(out, st, ad);
	if (flags & DM_DUMP_WCB)
		wcb(out, st, ad);
	return 0;
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

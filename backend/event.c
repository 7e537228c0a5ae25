/*
 * event.c - names of event kinds and directions, as the recording and the
 * views spell them.
 */
#include "event.h"

static const char *const kind_names[DM_EV_KIND_MAX] = {
	[DM_EV_NONE] = "none",
	[DM_EV_ADAPTER_GET] = "adapter-get",
	[DM_EV_ADAPTER_GET_OBSOLETE] = "adapter-get-obsolete",
	[DM_EV_ADAPTER_PUT] = "adapter-put",
	[DM_EV_ADAPTER_REF] = "adapter-ref",
	[DM_EV_ADAPTER_DEREF] = "adapter-deref",
	[DM_EV_CHANNEL_ALLOC] = "channel-alloc",
	[DM_EV_CHANNEL_GRANT] = "channel-grant",
	[DM_EV_CHANNEL_FREE] = "channel-free",
	[DM_EV_CALLBACK_RETURN] = "callback-return",
	[DM_EV_MAPREG_FREE] = "mapreg-free",
	[DM_EV_MAP] = "map",
	[DM_EV_UNMAP] = "unmap",
	[DM_EV_FLUSH] = "flush",
	[DM_EV_SG_MAP] = "sg-map",
	[DM_EV_SG_UNMAP] = "sg-unmap",
	[DM_EV_CB_ALLOC] = "cb-alloc",
	[DM_EV_CB_FREE] = "cb-free",
	[DM_EV_GUARD] = "guard",
	[DM_EV_MAPREG_GUARD] = "mapreg-guard",
	[DM_EV_SYNC_CPU] = "sync-cpu",
	[DM_EV_SYNC_DEVICE] = "sync-device",
	[DM_EV_BOUNCE] = "bounce",
	[DM_EV_IOMMU_MAP] = "iommu-map",
	[DM_EV_IOMMU_UNMAP] = "iommu-unmap",
	[DM_EV_IOMMU_FAULT] = "iommu-fault",
	[DM_EV_MAP_ERROR] = "map-error",
	[DM_EV_DRIVER_BIND] = "driver-bind",
	[DM_EV_DRIVER_UNBIND] = "driver-unbind",
	[DM_EV_PERF_COUNTER] = "perf-counter",
	[DM_EV_SYSDMA_START] = "sysdma-start",
	[DM_EV_SYSDMA_DONE] = "sysdma-done",
	[DM_EV_LOST] = "lost",
};

const char *dm_event_kind_name(unsigned kind)
{
	return kind < DM_EV_KIND_MAX && kind_names[kind] ? kind_names[kind] :
							   "unknown";
}

const char *dm_dir_name(unsigned dir)
{
	static const char *const names[] = { "bidirectional", "to-device",
					     "from-device", "none" };

	return dir < 4 ? names[dir] : "unknown";
}

bool dm_event_has_dir(unsigned kind)
{
	switch (kind) {
	case DM_EV_MAP:
	case DM_EV_UNMAP:
	case DM_EV_FLUSH:
	case DM_EV_SG_MAP:
	case DM_EV_SG_UNMAP:
	case DM_EV_CB_ALLOC:
	case DM_EV_CB_FREE:
	case DM_EV_SYNC_CPU:
	case DM_EV_SYNC_DEVICE:
	case DM_EV_BOUNCE:
	case DM_EV_IOMMU_FAULT:
	case DM_EV_MAP_ERROR:
		return true;
	default:
		return false;
	}
}

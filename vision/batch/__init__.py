"""Many videos: manifest, pairing of videos with traces, the serial/Dask engine."""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_engine": ["BatchResult", "collect_batch", "run_batch"],
        "_task": ["process_video"],
        "_manifest": ["BatchItem", "read_manifest"],
        "_pairing": ["discover_videos", "pair_videos"],
    },
)

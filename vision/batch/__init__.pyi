"""Many videos: manifest, pairing of videos with traces, the serial/Dask engine."""
from ._engine import BatchResult, collect_batch, run_batch
from ._manifest import BatchItem, read_manifest
from ._pairing import discover_videos, pair_videos
from ._task import process_video

__all__ = [
    "BatchItem",
    "BatchResult",
    "collect_batch",
    "discover_videos",
    "pair_videos",
    "process_video",
    "read_manifest",
    "run_batch",
]

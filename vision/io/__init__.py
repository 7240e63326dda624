"""Reading SEM videos: frames, readers and the reader registry."""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_base": ["Frame", "TruncatedVideoWarning", "VideoReader"],
        "_registry": ["KNOWN_FORMATS", "READERS", "ReaderSpec", "open_video"],
    },
)

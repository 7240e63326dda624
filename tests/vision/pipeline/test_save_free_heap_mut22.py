"""Wave 22 (issue 16): ``release_free_heap`` (wave 21) under mutation.

Hand-written mutants of mutmut's operators (the save is not in the mutation selection):
``test_save_free_heap.py`` runs the trim in a child process and xfails when it reports
nothing done ("not glibc"), so a release that never trims, or says it did not, passed as
an expected failure. Here: on a C library that has ``malloc_trim`` the release is done and
says so; without one nothing is called and it says so; the call is ``malloc_trim(0)``
(pad 0: every free page, as documented).
"""
import ctypes

from vision.pipeline import _save


def test_the_release_is_done_where_the_c_library_has_malloc_trim():
    has = hasattr(ctypes.CDLL(None), "malloc_trim")
    assert _save.release_free_heap() is has


def test_the_release_calls_malloc_trim_with_no_padding(monkeypatch):
    calls = []
    monkeypatch.setattr(_save, "_malloc_trim", lambda: lambda pad: calls.append(pad) or 1)
    assert _save.release_free_heap() is True
    assert calls == [0] and type(calls[0]) is int


def test_without_malloc_trim_nothing_is_called(monkeypatch):
    monkeypatch.setattr(_save, "_malloc_trim", lambda: None)
    assert _save.release_free_heap() is False


def test_a_c_library_without_malloc_trim_or_none_loadable_is_nothing_to_do(monkeypatch):
    class _NoTrim:  # a C library without the function (musl, macOS)
        pass

    def _unloadable(name):
        raise OSError("no C library")

    try:
        for fake in (lambda name: _NoTrim(), _unloadable):
            monkeypatch.setattr(ctypes, "CDLL", fake)
            _save._malloc_trim.cache_clear()
            assert _save._malloc_trim() is None
            assert _save.release_free_heap() is False
    finally:
        monkeypatch.undo()
        _save._malloc_trim.cache_clear()
    assert _save.release_free_heap() is hasattr(ctypes.CDLL(None), "malloc_trim")

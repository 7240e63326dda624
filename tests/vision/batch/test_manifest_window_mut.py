"""A manifest's sync window and the shared cell reader (issue 16: a planted bug must not survive).

Written against the survivors of the mutation run of ``vision/batch/_manifest.py``'s lines
changed since ``fe2d934`` (wave 15, ``benchmarks/mutate_changed.py``): ``sync_window`` in
every documented form ('lo;hi', 'lo,hi', '(lo hi)', '[lo, hi]', a TOML list), refused when
it is no range (lo >= hi, one or three numbers, text around the numbers), and the error
naming the manifest file. A wrong window is a wrong clock offset, so every number of the
row.
"""
import pytest

from calibration import InputError
from vision import read_manifest


def _csv(tmp_path, cell):
    (tmp_path / "a.mp4").write_bytes(b"x")
    path = tmp_path / "m.csv"
    path.write_text(f'video,sync_window\na.mp4,"{cell}"\n')
    return path


@pytest.mark.parametrize("cell", ["-30;45.5", "-30,45.5", "(-30 45.5)", "[-30, 45.5]",
                                  " ( -30 ; 45.5 ) "])
def test_a_sync_window_in_every_documented_form(tmp_path, cell):
    (item,) = read_manifest(_csv(tmp_path, cell))
    assert item.options == {"search_s": (-30.0, 45.5)}


def test_a_sync_window_as_a_toml_list(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    path = tmp_path / "m.toml"
    path.write_text('[[video]]\nvideo = "a.mp4"\nsync_window = [-2, 7.5]\n')
    (item,) = read_manifest(path)
    assert item.options == {"search_s": (-2.0, 7.5)}


@pytest.mark.parametrize("cell", ["5;5", "6;-4", "5", "1;2;3", "a;b", "1;inf", "nan;2",
                                  "(0;60)XX", "0;60 XX"])
def test_what_is_no_range_of_offsets_is_refused_naming_the_file(tmp_path, cell):
    path = _csv(tmp_path, cell)
    with pytest.raises(InputError, match=r"row 2: sync_window must be 'lo;hi' in s "
                       r"with lo < hi \(the range of offsets the automatic synchronisation "
                       r"searches\), got ") as err:
        read_manifest(path)
    assert err.value.path == str(path)
    assert str(err.value).startswith(f"{path}: ")


def test_an_empty_cell_is_no_window(tmp_path):
    # the row keeps analyze's default search range
    (item,) = read_manifest(_csv(tmp_path, ""))
    assert item.options == {}

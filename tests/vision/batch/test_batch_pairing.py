"""Finding videos for a batch when the output folder is the input folder."""
def test_output_folder_equal_to_input_still_finds_the_videos(tmp_path):
    import shutil
    from pathlib import Path

    from vision import collect_batch
    videos = Path(__file__).resolve().parents[3] / "videos"
    for name in ("control.mp4", "control_trace.mpt"):
        shutil.copy(videos / name, tmp_path / name)
    items = collect_batch(tmp_path, out_dir=tmp_path)
    assert [it.name for it in items] == ["control"]

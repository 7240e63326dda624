"""Library messages name keyword arguments; the command line names its flags.

Processing code says what a Python caller passes (``pass pixel_size_um=UM``); when the
same error reaches a user of ``semtrack``, :func:`to_flags` rewrites those phrases into
the flags of the command (``pass --pixel-size UM``).
"""

#: (phrase in a library message, what the command line user types instead). Longer
#: phrases first, so that one phrase is never rewritten inside a longer one.
KEYWORD_TO_FLAG = (
    ("electrode=(x_px, y_px, radius_px)", "--electrode X,Y,R"),
    ("counter_electrode=(x_px, y_px)", "--counter-electrode X,Y"),
    ("counter_electrode='right'", "--counter-electrode right"),
    ("electrode=(x_px, y_px)", "--electrode X,Y"),
    ("pixel_size_um=UM", "--pixel-size UM"),
    ("sync_offset_s=S", "--sync-offset S"),
    ("sync='absolute'|'span'", "--sync absolute|span"),
    ("sync='auto'|'span'", "--sync auto|span"),
    ("sync='absolute'", "--sync absolute"),
    ("Check sync_offset_s.", "Check --sync-offset."),
    ("sync must be one of", "--sync must be one of"),
    ("fps=FPS", "--fps FPS"),
    ("give a new or empty folder as out_dir", "give a new or empty folder with --out"),
    ("give a new folder as out_dir", "give a new folder with --out"),
    ("give another out_dir", "give another --out"),
    ("choose another out_dir", "choose another --out folder"),
    ("no such trace file; check trace", "no such trace file; check --trace"),
)


def to_flags(message):
    """``message`` with the keyword phrases of :data:`KEYWORD_TO_FLAG` as command-line flags."""
    for keyword, flag in KEYWORD_TO_FLAG:
        message = message.replace(keyword, flag)
    return message

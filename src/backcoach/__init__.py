"""backcoach: a home coach for lower-back strengthening and stretching exercises.

backcoach is not medical advice. It reproduces exercise programs from published articles and helps a person follow
them safely; it does not diagnose or treat anything.
"""

__version__ = "0.1.0"

"""Settings for the bench's gunicorn: the real ones, plus the ceiling endpoint's URL."""

import warnings

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# WhiteNoise warns once per worker that collectstatic has not run; the bench serves no static files.
warnings.filterwarnings("ignore", message="No directory at")

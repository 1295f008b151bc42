"""A bundled sample news site on 127.0.0.1, so `newsmon demo` shows the pipeline with no network."""

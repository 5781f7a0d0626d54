"""A trace written for other tools and readers: one self-contained HTML page (``html``)."""

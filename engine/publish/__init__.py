"""Publishing standards: the official document, the poster and the office's Maklumat Pelayanan."""

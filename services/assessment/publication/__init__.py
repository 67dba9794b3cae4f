"""Publication: a published round's result signed by the gateway's key, and its minutes (berita acara)."""

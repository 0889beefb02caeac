"""Lead intake from social platforms and web forms: signatures and payload mapping."""

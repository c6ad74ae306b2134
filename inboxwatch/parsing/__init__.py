"""Raw bytes to text: MIME parsing (fast path and fallback), HTML to text, quote and signature
removal, language detection."""

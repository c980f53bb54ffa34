"""One router per area; handlers translate HTTP to engine calls and back."""

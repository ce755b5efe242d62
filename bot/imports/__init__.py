"""Loading orders in the DESIGN.md JSON Lines import format."""

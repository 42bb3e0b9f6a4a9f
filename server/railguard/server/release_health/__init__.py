"""Release health: sessions counted per release, environment and hour."""

"""Labels: drawing the privacy e-waybill (面单), who took which label file, voids, platform-printed labels."""

"""Packing: packaging rules, carton choice, the scan-to-verify station (验货), pick lists and packing slips."""

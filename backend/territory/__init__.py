"""Métropole, communes, secteurs, QPV: perimeters, residence check, BAN geocoder client."""

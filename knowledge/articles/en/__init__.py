"""English help articles of the demo shop (data only).

This file makes the directory a package so the articles ship as package data.
"""

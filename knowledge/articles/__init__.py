"""The demo shop's bundled help articles (data only: one Markdown file per article, by locale).

This file makes the directory a package so the articles ship as package data.
"""

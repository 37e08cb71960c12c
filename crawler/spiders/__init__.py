"""Spiders of the newsclean crawler."""

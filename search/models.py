"""The embedded search backend's tables. They moved here from `catalog` and
keep their names (and the FTS5 table `catalog_search_fts` that mirrors them
on SQLite)."""
from django.db import models

from catalog.models import Product


class SearchEntry(models.Model):
    """One product as the embedded search backend sees it (search/).

    Written only by `search`; `document` holds the product's words,
    NFC-normalised and lowercased but with their accents, one section per
    field (" name | english | places | body "). SQLite mirrors the folded
    words into the FTS5 table `catalog_search_fts` (catalog migration 0003); on
    PostgreSQL the backend's in-memory word index matches instead.
    """

    product = models.OneToOneField(Product, primary_key=True, on_delete=models.CASCADE, related_name="search_entry")
    document = models.TextField()
    folded_name = models.CharField(max_length=300)
    stars = models.PositiveSmallIntegerField(null=True)
    certified_until = models.DateField(null=True)
    points = models.CharField(max_length=500, blank=True, help_text="Sales point ids with stock, space separated")
    data = models.JSONField(default=dict)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_searchentry"
        verbose_name = "mục tìm kiếm"
        verbose_name_plural = "chỉ mục tìm kiếm"


class SearchIndexState(models.Model):
    """A generation token, changed with every write to the embedded index, so
    each process knows when its in-memory copy is stale."""

    key = models.CharField(max_length=40, primary_key=True)
    generation = models.CharField(max_length=40)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_searchindexstate"

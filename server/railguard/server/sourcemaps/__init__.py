"""Source maps: uploaded files (`files`, `bundle`, `store`), parsed maps (`parsed`) and the
ingest-time lookup with its bounded cache (`resolver`). See docs/source-maps.md."""

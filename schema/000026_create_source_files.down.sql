DROP TABLE upload_chunks;
DROP TRIGGER releases_drop_source_files ON releases;
DROP FUNCTION source_files_release_gone();
DROP TABLE source_files;
DROP TABLE source_blobs;

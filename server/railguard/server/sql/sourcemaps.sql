-- Source maps and minified files (docs/source-maps.md).

-- name: lock_blob$
-- Locks an existing blob against garbage collection until the upload's transaction ends.
SELECT true FROM source_blobs WHERE sha256 = :sha256 FOR KEY SHARE;

-- name: insert_blob!
INSERT INTO source_blobs (sha256, size, content) VALUES (:sha256, :size, :content)
ON CONFLICT (sha256) DO NOTHING;

-- name: upsert_source_file^
INSERT INTO source_files (project_id, release, dist, url, kind, debug_id, sourcemap_ref, sha256,
                          size)
VALUES (:project_id, :release, :dist, :url, :kind, :debug_id, :sourcemap_ref, :sha256, :size)
ON CONFLICT (project_id, release, dist, url, kind, coalesce(debug_id::text, ''))
DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,
              sourcemap_ref = excluded.sourcemap_ref, created_at = now()
RETURNING id, release, dist, url, kind, debug_id::text AS debug_id, sourcemap_ref, size,
          encode(sha256, 'hex') AS sha256, created_at;

-- name: source_files_by_debug_id
SELECT kind, url, sha256, sourcemap_ref FROM source_files
WHERE project_id = :project_id AND debug_id = :debug_id::uuid
ORDER BY id DESC;

-- name: source_files_by_urls
SELECT kind, url, sha256, sourcemap_ref FROM source_files
WHERE project_id = :project_id AND release = :release AND dist = :dist
  AND url = ANY(:urls::text[])
ORDER BY id DESC;

-- name: source_file_name_known$
-- Whether a file of one of these names was uploaded for any release: then the file is a bundle.
SELECT EXISTS (
    SELECT 1 FROM source_files WHERE project_id = :project_id AND url = ANY(:urls::text[])
);

-- name: source_blob$
SELECT content FROM source_blobs WHERE sha256 = :sha256;

-- name: list_source_files
SELECT id, release, dist, url, kind, debug_id::text AS debug_id, sourcemap_ref, size,
       encode(sha256, 'hex') AS sha256, created_at
FROM source_files
WHERE project_id = :project_id AND (:release::text IS NULL OR release = :release)
ORDER BY id
LIMIT 10000;

-- name: delete_release_source_files$
WITH gone AS (
    DELETE FROM source_files WHERE project_id = :project_id AND release = :release RETURNING 1
)
SELECT count(*) FROM gone;

-- name: collect_source_blobs$
-- Blobs no file names any more (their release or project was deleted).
WITH gone AS (
    DELETE FROM source_blobs b
    WHERE NOT EXISTS (SELECT 1 FROM source_files f WHERE f.sha256 = b.sha256)
    RETURNING 1
)
SELECT count(*) FROM gone;

-- name: insert_upload_chunk!
INSERT INTO upload_chunks (user_id, sha1, content) VALUES (:user_id, :sha1, :content)
ON CONFLICT (user_id, sha1) DO UPDATE SET created_at = now();

-- name: upload_chunks
SELECT sha1, content FROM upload_chunks WHERE user_id = :user_id AND sha1 = ANY(:sha1s::bytea[]);

-- name: present_upload_chunks
SELECT sha1 FROM upload_chunks WHERE user_id = :user_id AND sha1 = ANY(:sha1s::bytea[]);

-- name: delete_upload_chunks!
-- The assembled chunks, and any older than a day (an upload that never assembled).
DELETE FROM upload_chunks
WHERE (user_id = :user_id AND sha1 = ANY(:sha1s::bytea[])) OR created_at < now() - interval '1 day';

-- name: prune_upload_chunks!
-- Chunks of an upload that never assembled.
DELETE FROM upload_chunks WHERE created_at < now() - interval '1 day';

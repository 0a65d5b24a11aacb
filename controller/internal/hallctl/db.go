package hallctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/controller/internal/store"
)

func init() {
	register(&command{name: "db", args: "check|compact|stats -data DIR", summary: "technician: check, compact or count the database (controller stopped)", run: runDB})
}

// dbFile is the database's name in the data directory, as server.Start
// opens it.
const dbFile = "hallq.db"

// DefaultDataDir is the controller's default -data.
const DefaultDataDir = "/var/lib/hallq"

func runDB(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usagef("db: give check, compact or stats")
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet(c, "db "+sub, "-data DIR", "works on DIR/"+dbFile+"; the controller must be stopped")
	var dir string
	var force bool
	fs.StringVar(&dir, "data", DefaultDataDir, "the controller's data directory")
	if sub == "compact" {
		fs.BoolVar(&force, "force", false, "compact even when the check fails (the copy keeps what bbolt can read)")
	}
	if _, err := c.parse(fs, args, 0, 0); err != nil {
		return err
	}
	path := filepath.Join(dir, dbFile)
	switch sub {
	case "check":
		return dbCheck(c.stdout, path)
	case "stats":
		return dbStats(c.stdout, path)
	case "compact":
		return dbCompact(c.stdout, path, force)
	}
	return usagef("db: unknown subcommand %q (check, compact, stats)", sub)
}

// openDB opens an existing database; it never creates one, and it refuses a
// file that a running controller holds.
func openDB(path string) (*store.Store, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("hallctl: db: no database at %s (wrong -data?)", path)
		}
		return nil, fmt.Errorf("hallctl: db: %w", err)
	}
	if err := preflight(path); err != nil {
		return nil, err
	}
	st, err := store.Open(path, &store.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s is locked)", ErrDBInUse, path)
	}
	if err != nil {
		return nil, fmt.Errorf("hallctl: db: %w", err)
	}
	return st, nil
}

// preflight reads every page of the file read-only before store.Open. The
// store runs bbolt with NoFreelistSync, so opening it for writing rebuilds
// the free list by walking the tree in a goroutine of bbolt's, which panics
// (and kills the process) on a damaged page. Here the same walk runs on our
// goroutine, where the panic becomes an error.
func preflight(path string) (err error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return fmt.Errorf("%w (%s is locked)", ErrDBInUse, path)
	}
	if err != nil {
		return fmt.Errorf("hallctl: db: %s is damaged or not a database: %w", path, err)
	}
	defer db.Close()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hallctl: db: %s is damaged: %v", path, r)
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walkBucket(b) })
	})
}

func walkBucket(b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				return walkBucket(nb)
			}
		}
		return nil
	})
}

func writeStats(w io.Writer, path string, s store.Stats) error {
	_, err := fmt.Fprintf(w, "%s: %d events (seq %d..%d), %d snapshots, %d request ids, %s\n",
		path, s.Events, s.FirstSeq, s.LastSeq, s.Snapshots, s.Requests, byteSize(s.FileBytes))
	return err
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func dbCheck(w io.Writer, path string) error {
	st, err := openDB(path)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		return fmt.Errorf("hallctl: db check %s: damaged: %w", path, err)
	}
	s, err := st.Stats()
	if err != nil {
		return fmt.Errorf("hallctl: db check: %w", err)
	}
	if err := writeStats(w, path, s); err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, "ok: bbolt structure, event log contiguous and decodable, snapshots readable")
	return err
}

func dbStats(w io.Writer, path string) error {
	st, err := openDB(path)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats()
	if err != nil {
		return fmt.Errorf("hallctl: db stats: %w", err)
	}
	return writeStats(w, path, s)
}

// dbCompact copies the live data to path.compact, checks the copy, keeps
// the original as path.bak (a hard link, so no moment without a database
// at path) and renames the copy over the original.
func dbCompact(w io.Writer, path string, force bool) error {
	st, err := openDB(path)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Check(); err != nil && !force {
		return fmt.Errorf("hallctl: db compact: the database is damaged (%w); run with -force to copy what is readable", err)
	}
	before, err := st.Stats()
	if err != nil {
		return fmt.Errorf("hallctl: db compact: %w", err)
	}
	tmp, bak := path+".compact", path+".bak"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("hallctl: db compact: %w", err)
	}
	if err := st.Compact(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("hallctl: db compact: %w", err)
	}
	after, err := verifyCopy(tmp, before)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	// Keep the original (still locked by st: nobody else writes it).
	if err := os.Remove(bak); err != nil && !errors.Is(err, fs.ErrNotExist) {
		os.Remove(tmp)
		return fmt.Errorf("hallctl: db compact: %w", err)
	}
	if err := os.Link(path, bak); err != nil {
		if err := copyFile(path, bak); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("hallctl: db compact: backup: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("hallctl: db compact: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("hallctl: db compact: %w", err)
	}
	_, err = fmt.Fprintf(w, "compacted %s: %s -> %s (%d events, seq %d..%d); the old file is %s\n",
		path, byteSize(before.FileBytes), byteSize(after.FileBytes), after.Events, after.FirstSeq, after.LastSeq, bak)
	return err
}

// verifyCopy opens the compacted file and checks that it holds what the
// original held.
func verifyCopy(path string, want store.Stats) (store.Stats, error) {
	cp, err := store.Open(path, &store.Options{Timeout: time.Second})
	if err != nil {
		return store.Stats{}, fmt.Errorf("hallctl: db compact: open the copy: %w", err)
	}
	defer cp.Close()
	if err := cp.Check(); err != nil {
		return store.Stats{}, fmt.Errorf("hallctl: db compact: the copy fails its check: %w", err)
	}
	got, err := cp.Stats()
	if err != nil {
		return got, fmt.Errorf("hallctl: db compact: %w", err)
	}
	if got.Events != want.Events || got.LastSeq != want.LastSeq || got.FirstSeq != want.FirstSeq ||
		got.Snapshots != want.Snapshots || got.Requests != want.Requests {
		return got, fmt.Errorf("hallctl: db compact: the copy differs: %+v, original %+v", got, want)
	}
	return got, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

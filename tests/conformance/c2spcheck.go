// c2spcheck - check quanpiao's signed notes, checkpoints and proofs with an
// independent implementation: Go's golang.org/x/mod/sumdb/note (C2SP
// signed-note) and golang.org/x/mod/sumdb/tlog (RFC 6962 Merkle trees).
//
// Nothing here shares code with quanpiao; the test suite builds it in GOPATH
// mode against Debian's golang-golang-x-mod-dev (tests/meson.build).
//
// Usage:
//
//	c2spcheck note VKEYFILE... -- NOTEFILE
//	c2spcheck proof LOGVKEY PROOFFILE ENTRYFILE
//	c2spcheck consistency LOGVKEY OLDCHECKPOINTFILE|- BODYFILE
//	c2spcheck leafhash ENTRYFILE
//	c2spcheck treehash ENTRYFILE...
//	c2spcheck logstate ENTRYFILE...
//	c2spcheck cosignature WITNESSVKEY LOGVKEY NOTEFILE
//	c2spcheck tiles LOGVKEY DIR|URL [OLDSIZE...]
//	c2spcheck statusmap LOGVKEY STATUSFILE
//
// Exit status: 0 verified, 1 did not verify (the reason is on stderr),
// 2 usage error or unreadable file.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const usage = `usage:
  c2spcheck note VKEYFILE... -- NOTEFILE
  c2spcheck proof LOGVKEY PROOFFILE ENTRYFILE
  c2spcheck consistency LOGVKEY OLDCHECKPOINTFILE|- BODYFILE
  c2spcheck leafhash ENTRYFILE
  c2spcheck treehash ENTRYFILE...
  c2spcheck logstate ENTRYFILE...
  c2spcheck cosignature WITNESSVKEY LOGVKEY NOTEFILE
  c2spcheck tiles LOGVKEY DIR|URL [OLDSIZE...]
  c2spcheck statusmap LOGVKEY STATUSFILE
`

// errUsage marks failures that are the caller's fault (exit 2), not a
// verification failure (exit 1).
type errUsage struct{ msg string }

func (e *errUsage) Error() string { return e.msg }

func usageErr(format string, args ...interface{}) error {
	return &errUsage{fmt.Sprintf(format, args...)}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "note":
		err = cmdNote(args)
	case "proof":
		err = cmdProof(args)
	case "consistency":
		err = cmdConsistency(args)
	case "leafhash":
		err = cmdLeafHash(args)
	case "treehash":
		err = cmdTreeHash(args)
	case "logstate":
		err = cmdLogState(args)
	case "cosignature":
		err = cmdCosignature(args)
	case "tiles":
		err = cmdTiles(args)
	case "statusmap":
		err = cmdStatusMap(args)
	default:
		err = usageErr("unknown subcommand %q", os.Args[1])
	}
	if err == nil {
		return
	}
	var u *errUsage
	if errors.As(err, &u) {
		fmt.Fprintf(os.Stderr, "c2spcheck: %v\n%s", err, usage)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "c2spcheck: FAIL: %v\n", err)
	os.Exit(1)
}

func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return b, nil
}

// readVerifiers reads a file of verifier keys, one per line (a single
// trailing newline is optional; blank lines are not allowed).
func readVerifiers(path string) ([]note.Verifier, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil, usageErr("%s: no verifier key", path)
	}
	var vs []note.Verifier
	for i, line := range strings.Split(s, "\n") {
		v, err := note.NewVerifier(line)
		if err != nil {
			return nil, usageErr("%s:%d: bad verifier key %q: %v", path, i+1, line, err)
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func readOneVerifier(path string) (note.Verifier, error) {
	vs, err := readVerifiers(path)
	if err != nil {
		return nil, err
	}
	if len(vs) != 1 {
		return nil, usageErr("%s: want exactly one verifier key, got %d", path, len(vs))
	}
	return vs[0], nil
}

// openNote opens msg with the given verifiers and explains a failure.
func openNote(what string, msg []byte, vs []note.Verifier) (*note.Note, error) {
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		var unv *note.UnverifiedNoteError
		if errors.As(err, &unv) {
			var names []string
			for _, s := range unv.Note.UnverifiedSigs {
				names = append(names, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
			}
			return nil, fmt.Errorf("%s: no signature by a known key (signatures by: %s)", what, strings.Join(names, ", "))
		}
		return nil, fmt.Errorf("%s: note.Open: %v", what, err)
	}
	return n, nil
}

// decimal parses a non-negative ASCII decimal with no leading zeroes
// (unless it is "0"), as the C2SP formats require.
func decimal(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not an ASCII decimal", s)
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("%q has a leading zero", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %v", s, err)
	}
	return n, nil
}

// hash parses one canonical standard-base64 SHA-256 hash.
func hash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return h, fmt.Errorf("hash %q: not standard base64: %v", s, err)
	}
	if len(b) != len(h) {
		return h, fmt.Errorf("hash %q: %d bytes, want %d", s, len(b), len(h))
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return h, fmt.Errorf("hash %q: not canonical base64", s)
	}
	copy(h[:], b)
	return h, nil
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
	ext    []string
}

// openCheckpoint verifies a c2sp.org/tlog-checkpoint with the log key and
// parses its text: origin, size, root hash, then optional extension lines.
func openCheckpoint(what string, msg []byte, logKey note.Verifier) (*checkpoint, error) {
	n, err := openNote(what, msg, []note.Verifier{logKey})
	if err != nil {
		return nil, err
	}
	// Open guarantees the text is non-empty lines ending in "\n".
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("%s: checkpoint text has %d lines, want at least 3", what, len(lines))
	}
	c := &checkpoint{origin: lines[0], ext: lines[3:]}
	if c.origin == "" {
		return nil, fmt.Errorf("%s: empty origin line", what)
	}
	if c.origin != logKey.Name() {
		return nil, fmt.Errorf("%s: origin %q is not the log key's name %q", what, c.origin, logKey.Name())
	}
	if c.size, err = decimal(lines[1]); err != nil {
		return nil, fmt.Errorf("%s: tree size: %v", what, err)
	}
	if c.root, err = hash(lines[2]); err != nil {
		return nil, fmt.Errorf("%s: root: %v", what, err)
	}
	for i, e := range c.ext {
		if e == "" {
			return nil, fmt.Errorf("%s: empty extension line %d", what, i+1)
		}
	}
	return c, nil
}

// splitProof splits "hash lines \n\n checkpoint" into hashes and the
// checkpoint bytes.  rest starts just after the header lines.
func splitProof(what, rest string) ([]tlog.Hash, []byte, error) {
	var hs []tlog.Hash
	for {
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			return nil, nil, fmt.Errorf("%s: no blank line before the checkpoint", what)
		}
		line := rest[:i]
		rest = rest[i+1:]
		if line == "" {
			break
		}
		h, err := hash(line)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: proof line %d: %v", what, len(hs)+1, err)
		}
		hs = append(hs, h)
	}
	if rest == "" {
		return nil, nil, fmt.Errorf("%s: no checkpoint after the blank line", what)
	}
	return hs, []byte(rest), nil
}

// cutLine returns the first line of s (without "\n") and the rest.
func cutLine(s string) (string, string, bool) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func cmdNote(args []string) error {
	sep := -1
	for i, a := range args {
		if a == "--" {
			sep = i
			break
		}
	}
	if sep < 1 || len(args)-sep != 2 {
		return usageErr("note needs VKEYFILE... -- NOTEFILE")
	}
	var vs []note.Verifier
	for _, f := range args[:sep] {
		v, err := readVerifiers(f)
		if err != nil {
			return err
		}
		vs = append(vs, v...)
	}
	path := args[sep+1]
	msg, err := readFile(path)
	if err != nil {
		return err
	}
	n, err := openNote(path, msg, vs)
	if err != nil {
		return err
	}
	for _, s := range n.Sigs {
		fmt.Println(s.Name)
	}
	for _, s := range n.UnverifiedSigs {
		fmt.Fprintf(os.Stderr, "c2spcheck: %s: ignored a signature by unknown key %s+%08x\n", path, s.Name, s.Hash)
	}
	return nil
}

func cmdProof(args []string) error {
	if len(args) != 3 {
		return usageErr("proof needs LOGVKEY PROOFFILE ENTRYFILE")
	}
	logKey, err := readOneVerifier(args[0])
	if err != nil {
		return err
	}
	pb, err := readFile(args[1])
	if err != nil {
		return err
	}
	entry, err := readFile(args[2])
	if err != nil {
		return err
	}
	what := args[1]

	rest := string(pb)
	line, rest, ok := cutLine(rest)
	if !ok || line != "c2sp.org/tlog-proof@v1" {
		return fmt.Errorf("%s: first line is %q, want \"c2sp.org/tlog-proof@v1\"", what, line)
	}
	if line, rest, ok = cutLine(rest); !ok {
		return fmt.Errorf("%s: truncated after the first line", what)
	}
	if strings.HasPrefix(line, "extra ") {
		x := strings.TrimPrefix(line, "extra ")
		b, err := base64.StdEncoding.Strict().DecodeString(x)
		if err != nil || base64.StdEncoding.EncodeToString(b) != x {
			return fmt.Errorf("%s: extra line is not canonical base64: %q", what, x)
		}
		if line, rest, ok = cutLine(rest); !ok {
			return fmt.Errorf("%s: truncated after the extra line", what)
		}
	}
	if !strings.HasPrefix(line, "index ") {
		return fmt.Errorf("%s: line %q, want \"index N\"", what, line)
	}
	index, err := decimal(strings.TrimPrefix(line, "index "))
	if err != nil {
		return fmt.Errorf("%s: index: %v", what, err)
	}
	proof, cpb, err := splitProof(what, rest)
	if err != nil {
		return err
	}
	cp, err := openCheckpoint(what+": checkpoint", cpb, logKey)
	if err != nil {
		return err
	}
	if index >= cp.size {
		return fmt.Errorf("%s: index %d is not below the checkpoint's size %d", what, index, cp.size)
	}
	leaf := tlog.RecordHash(entry)
	if err := tlog.CheckRecord(tlog.RecordProof(proof), cp.size, cp.root, index, leaf); err != nil {
		return fmt.Errorf("%s: tlog.CheckRecord(%d hashes, size %d, root %s, index %d, leaf %s of %s): %v",
			what, len(proof), cp.size, cp.root, index, hex.EncodeToString(leaf[:]), args[2], err)
	}
	fmt.Printf("ok: %s (leaf %s) is entry %d of %s at size %d\n",
		args[2], hex.EncodeToString(leaf[:]), index, cp.origin, cp.size)
	return nil
}

func cmdConsistency(args []string) error {
	if len(args) != 3 {
		return usageErr("consistency needs LOGVKEY OLDCHECKPOINTFILE|- BODYFILE")
	}
	logKey, err := readOneVerifier(args[0])
	if err != nil {
		return err
	}
	var old *checkpoint
	if args[1] != "-" {
		ob, err := readFile(args[1])
		if err != nil {
			return err
		}
		if old, err = openCheckpoint(args[1], ob, logKey); err != nil {
			return err
		}
	}
	bb, err := readFile(args[2])
	if err != nil {
		return err
	}
	what := args[2]

	line, rest, ok := cutLine(string(bb))
	if !ok || !strings.HasPrefix(line, "old ") {
		return fmt.Errorf("%s: first line is %q, want \"old N\"", what, line)
	}
	oldSize, err := decimal(strings.TrimPrefix(line, "old "))
	if err != nil {
		return fmt.Errorf("%s: old size: %v", what, err)
	}
	proof, cpb, err := splitProof(what, rest)
	if err != nil {
		return err
	}
	cp, err := openCheckpoint(what+": checkpoint", cpb, logKey)
	if err != nil {
		return err
	}
	if oldSize > cp.size {
		return fmt.Errorf("%s: old size %d is larger than the checkpoint's size %d", what, oldSize, cp.size)
	}

	if oldSize == 0 {
		// tlog-witness: from size 0 the consistency proof is empty; an
		// empty tree is a prefix of every tree.  tlog.CheckTree does not
		// take n == 0, so there is nothing more to hand it.
		if len(proof) != 0 {
			return fmt.Errorf("%s: old size 0 but the proof has %d hashes, want none", what, len(proof))
		}
		if old != nil {
			if old.size != 0 {
				return fmt.Errorf("%s: old checkpoint %s has size %d, body says old 0", what, args[1], old.size)
			}
			// RFC 6962: MTH({}) = SHA-256().  (tlog.TreeHash(0) is the
			// zero hash instead, so it is not used here.)
			if empty := tlog.Hash(sha256.Sum256(nil)); old.root != empty {
				return fmt.Errorf("%s: old checkpoint of size 0 has root %s, RFC 6962 says %s", args[1], old.root, empty)
			}
		}
		fmt.Printf("ok: old 0 -> %s size %d, empty proof\n", cp.origin, cp.size)
		return nil
	}
	if old == nil {
		return usageErr("body says old %d: OLDCHECKPOINTFILE is needed (\"-\" only for old 0)", oldSize)
	}
	if old.size != oldSize {
		return fmt.Errorf("%s: body says old %d but the old checkpoint %s has size %d", what, oldSize, args[1], old.size)
	}
	if old.origin != cp.origin {
		return fmt.Errorf("%s: origins differ: old %q, new %q", what, old.origin, cp.origin)
	}
	if err := tlog.CheckTree(tlog.TreeProof(proof), cp.size, cp.root, old.size, old.root); err != nil {
		return fmt.Errorf("%s: tlog.CheckTree(%d hashes, new size %d root %s, old size %d root %s): %v",
			what, len(proof), cp.size, cp.root, old.size, old.root, err)
	}
	fmt.Printf("ok: %s size %d is a prefix of size %d (%d proof hashes)\n", cp.origin, old.size, cp.size, len(proof))
	return nil
}

func cmdLeafHash(args []string) error {
	if len(args) != 1 {
		return usageErr("leafhash needs ENTRYFILE")
	}
	b, err := readFile(args[0])
	if err != nil {
		return err
	}
	h := tlog.RecordHash(b)
	fmt.Println(hex.EncodeToString(h[:]))
	return nil
}

// cmdTreeHash prints the base64 RFC 6962 root of the given entries, in
// order, computed by tlog from the entry bytes alone.
func cmdTreeHash(args []string) error {
	if len(args) == 0 {
		return usageErr("treehash needs ENTRYFILE...")
	}
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d out of range", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, f := range args {
		b, err := readFile(f)
		if err != nil {
			return err
		}
		hs, err := tlog.StoredHashes(int64(i), b, r)
		if err != nil {
			return fmt.Errorf("tlog.StoredHashes(%d): %v", i, err)
		}
		stored = append(stored, hs...)
	}
	root, err := tlog.TreeHash(int64(len(args)), r)
	if err != nil {
		return fmt.Errorf("tlog.TreeHash: %v", err)
	}
	fmt.Println(root.String())
	return nil
}

// cmdLogState checks the log state each entry names (entry format v2,
// docs/format.md): the entries are the log's first ones, in order; entry i's
// JSON line has "log":{"root":"<base64>","size":N} with N <= i, and root is
// the RFC 6962 root of the first N entries as tlog computes it from their
// bytes.  Written from docs/format.md alone: the member is found in the
// canonical JSON by its exact spelling.
func cmdLogState(args []string) error {
	if len(args) == 0 {
		return usageErr("logstate needs ENTRYFILE...")
	}
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d out of range", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	roots := []tlog.Hash{tlog.Hash(sha256.Sum256(nil))}
	for i, f := range args {
		b, err := readFile(f)
		if err != nil {
			return err
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) < 2 || lines[0] != "quanpiao/entry/v2" {
			return fmt.Errorf("entry %d: first line %q, not quanpiao/entry/v2", i, lines[0])
		}
		const key = `"log":{"root":"`
		at := strings.Index(lines[1], key)
		if at < 0 {
			return fmt.Errorf("entry %d: no log member", i)
		}
		rest := lines[1][at+len(key):]
		q := strings.IndexByte(rest, '"')
		if q < 0 || !strings.HasPrefix(rest[q:], `","size":`) {
			return fmt.Errorf("entry %d: log member malformed", i)
		}
		root, err := base64.StdEncoding.DecodeString(rest[:q])
		if err != nil || len(root) != sha256.Size {
			return fmt.Errorf("entry %d: log.root is not base64 of 32 bytes", i)
		}
		digits := rest[q+len(`","size":`):]
		end := strings.IndexByte(digits, '}')
		if end < 0 {
			return fmt.Errorf("entry %d: log member malformed", i)
		}
		size, err := strconv.ParseInt(digits[:end], 10, 64)
		if err != nil || size < 0 || size > int64(i) {
			return fmt.Errorf("entry %d: log.size %q is not an integer from 0 to %d", i, digits[:end], i)
		}
		if tlog.Hash(*(*[32]byte)(root)) != roots[size] {
			return fmt.Errorf("entry %d: names a state of size %d whose root is not the log's", i, size)
		}
		hs, err := tlog.StoredHashes(int64(i), b, r)
		if err != nil {
			return fmt.Errorf("tlog.StoredHashes(%d): %v", i, err)
		}
		stored = append(stored, hs...)
		th, err := tlog.TreeHash(int64(i+1), r)
		if err != nil {
			return fmt.Errorf("tlog.TreeHash: %v", err)
		}
		roots = append(roots, th)
	}
	fmt.Printf("%d entries name states of this log\n", len(args))
	return nil
}

// cmdCosignature checks a c2sp.org/tlog-cosignature (cosignature/v1,
// Ed25519, key type 0x04) on a checkpoint note that the log key signed.
// The witness key may be given as an ordinary Ed25519 (0x01) vkey or as a
// 0x04 one; either way its cosignature key ID is SHA-256(name || "\n" ||
// 0x04 || public key)[:4].  Written from the specification alone; Go's
// note package does not know this signature type.
func cmdCosignature(args []string) error {
	if len(args) != 3 {
		return usageErr("cosignature needs WITNESSVKEY LOGVKEY NOTEFILE")
	}
	wb, err := readFile(args[0])
	if err != nil {
		return err
	}
	parts := strings.SplitN(strings.TrimSpace(string(wb)), "+", 3)
	if len(parts) != 3 {
		return usageErr("%s: not a vkey", args[0])
	}
	name := parts[0]
	key, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(key) != 1+ed25519.PublicKeySize || (key[0] != 0x01 && key[0] != 0x04) {
		return usageErr("%s: not an Ed25519 vkey of type 0x01 or 0x04", args[0])
	}
	keyID := func(alg byte) uint32 {
		h := sha256.Sum256(append(append([]byte(name+"\n"), alg), key[1:]...))
		return binary.BigEndian.Uint32(h[:4])
	}
	if fmt.Sprintf("%08x", keyID(key[0])) != parts[1] {
		return usageErr("%s: key ID %s does not match the key", args[0], parts[1])
	}
	want := keyID(0x04)
	logKey, err := readOneVerifier(args[1])
	if err != nil {
		return err
	}
	msg, err := readFile(args[2])
	if err != nil {
		return err
	}
	n, err := openNote(args[2], msg, []note.Verifier{logKey})
	if err != nil {
		return err
	}
	found := 0
	for _, s := range n.UnverifiedSigs {
		if s.Name != name || s.Hash != want {
			continue
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(s.Base64)
		if err != nil || len(raw) != 4+8+ed25519.SignatureSize {
			return fmt.Errorf("%s: the cosignature by %s is not 4+8+64 bytes", args[2], name)
		}
		t := binary.BigEndian.Uint64(raw[4:12])
		if t > 1<<63-1 {
			return fmt.Errorf("%s: cosignature timestamp %d is out of range", args[2], t)
		}
		signed := fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, n.Text)
		if !ed25519.Verify(ed25519.PublicKey(key[1:]), []byte(signed), raw[12:]) {
			return fmt.Errorf("%s: the cosignature by %s+%08x does not verify", args[2], name, want)
		}
		fmt.Printf("ok: cosigned by %s+%08x at %d\n", name, want, t)
		found++
	}
	if found == 0 {
		return fmt.Errorf("%s: no cosignature by %s+%08x", args[2], name, want)
	}
	return nil
}

// ---- tiles: the log read through c2sp.org/tlog-tiles ---------------------

// tileSource reads tiles from a directory or an http(s) URL, counting them.
type tileSource struct {
	base  string
	reads int
}

func (s *tileSource) get(path string) ([]byte, error) {
	s.reads++
	if strings.HasPrefix(s.base, "http://") || strings.HasPrefix(s.base, "https://") {
		resp, err := http.Get(strings.TrimSuffix(s.base, "/") + "/" + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return b, nil
	}
	return os.ReadFile(strings.TrimSuffix(s.base, "/") + "/" + path)
}

// c2spPath is the c2sp.org/tlog-tiles path of a tile: Go's tile path
// without the height element ("tile/8/0/x001/234" -> "tile/0/x001/234").
func c2spPath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

// tileReader is a tlog.TileReader over a tileSource.
type tileReader struct{ src *tileSource }

func (r tileReader) Height() int { return 8 }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := r.src.get(c2spPath(t))
		if err != nil {
			return nil, fmt.Errorf("tile %s: %v", c2spPath(t), err)
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s: %d bytes, want %d", c2spPath(t), len(b), t.W*tlog.HashSize)
		}
		out[i] = b
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// entryBundle reads entry bundle n of width w: entries prefixed with a
// big-endian 16-bit length, exactly w of them and nothing after.
func entryBundle(src *tileSource, n int64, w int) ([][]byte, error) {
	t := tlog.Tile{H: 8, L: 0, N: n, W: w}
	path := "tile/entries/" + strings.TrimPrefix(t.Path(), "tile/8/0/")
	b, err := src.get(path)
	if err != nil {
		return nil, fmt.Errorf("entry bundle %s: %v", path, err)
	}
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("entry bundle %s: a length cut short", path)
		}
		l := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+l {
			return nil, fmt.Errorf("entry bundle %s: an entry cut short", path)
		}
		out = append(out, b[2:2+l])
		b = b[2+l:]
	}
	if len(out) != w {
		return nil, fmt.Errorf("entry bundle %s: %d entries, want %d", path, len(out), w)
	}
	return out, nil
}

// cmdTiles reads the checkpoint at DIR|URL, then every entry from the entry
// bundles, and proves each one's inclusion from hash tiles alone (Go's
// TileHashReader checks every tile it reads against the signed root);
// then proves the tree of each OLDSIZE consistent with it.
func cmdTiles(args []string) error {
	if len(args) < 2 {
		return usageErr("tiles needs LOGVKEY and DIR|URL")
	}
	logKey, err := readOneVerifier(args[0])
	if err != nil {
		return err
	}
	src := &tileSource{base: args[1]}
	msg, err := src.get("checkpoint")
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	cp, err := openCheckpoint("checkpoint", msg, logKey)
	if err != nil {
		return err
	}
	tree := tlog.Tree{N: cp.size, Hash: cp.root}
	thr := tlog.TileHashReader(tree, tileReader{src})
	if cp.size > 0 {
		if h, err := tlog.TreeHash(cp.size, thr); err != nil {
			return fmt.Errorf("tree hash from tiles: %v", err)
		} else if h != cp.root {
			return fmt.Errorf("tree hash from tiles %v, checkpoint %v", h, cp.root)
		}
	}
	for n := int64(0); n*256 < cp.size; n++ {
		w := int(cp.size - n*256)
		if w > 256 {
			w = 256
		}
		entries, err := entryBundle(src, n, w)
		if err != nil {
			return err
		}
		for j, e := range entries {
			i := n*256 + int64(j)
			p, err := tlog.ProveRecord(cp.size, i, thr)
			if err != nil {
				return fmt.Errorf("entry %d: proof from tiles: %v", i, err)
			}
			if err := tlog.CheckRecord(p, cp.size, cp.root, i, tlog.RecordHash(e)); err != nil {
				return fmt.Errorf("entry %d: %v", i, err)
			}
		}
	}
	for _, a := range args[2:] {
		old, err := decimal(a)
		if err != nil || old > cp.size {
			return usageErr("OLDSIZE %q: a tree size up to %d", a, cp.size)
		}
		p, err := tlog.ProveTree(cp.size, old, thr)
		if err != nil {
			return fmt.Errorf("consistency %d -> %d from tiles: %v", old, cp.size, err)
		}
		oh, err := tlog.TreeHash(old, thr)
		if err != nil {
			return fmt.Errorf("tree hash %d from tiles: %v", old, err)
		}
		if err := tlog.CheckTree(p, cp.size, cp.root, old, oh); err != nil {
			return fmt.Errorf("consistency %d -> %d: %v", old, cp.size, err)
		}
		fmt.Printf("tree %d %s\n", old, base64.StdEncoding.EncodeToString(oh[:]))
	}
	fmt.Printf("verified %d entries of %s from tiles (%d reads)\n", cp.size, cp.origin, src.reads)
	return nil
}

// cmdStatusMap checks a quanpiao status proof (docs/format.md, "The status
// map") from its bytes: the checkpoint opens under the log key and carries
// one "quanpiao/status-map/v1" extension line; the map proof, a Jellyfish
// binary sparse Merkle proof over SHA-256 (leaf 0x00 || key || H(record),
// interior 0x01 || left || right, empty = 32 zero bytes), leads from the
// record (or from the absence of one) to that root; and for a record, its
// entry is in the checkpoint's tree (tlog).
func cmdStatusMap(args []string) error {
	if len(args) != 2 {
		return usageErr("statusmap needs LOGVKEY STATUSFILE")
	}
	logKey, err := readOneVerifier(args[0])
	if err != nil {
		return err
	}
	b, err := readFile(args[1])
	if err != nil {
		return err
	}
	what := args[1]
	rest := string(b)
	line, rest, ok := cutLine(rest)
	if !ok || line != "quanpiao/status/v1" {
		return fmt.Errorf("%s: first line is not quanpiao/status/v1", what)
	}
	line, rest, ok = cutLine(rest)
	if !ok || !strings.HasPrefix(line, "certificate ") {
		return fmt.Errorf("%s: no certificate line", what)
	}
	cert := strings.TrimPrefix(line, "certificate ")
	sections := map[string]string{}
	entryIndex := int64(-1)
	for rest != "" {
		line, rest, ok = cutLine(rest)
		f := strings.Fields(line)
		if !ok || len(f) < 2 || len(f) > 3 {
			return fmt.Errorf("%s: malformed section line %q", what, line)
		}
		n, err := decimal(f[len(f)-1])
		if err != nil || int64(len(rest)) < n {
			return fmt.Errorf("%s: section %s: bad length", what, f[0])
		}
		if len(f) == 3 {
			if f[0] != "entry" {
				return fmt.Errorf("%s: malformed section line %q", what, line)
			}
			if entryIndex, err = decimal(f[1]); err != nil {
				return fmt.Errorf("%s: entry index: %v", what, err)
			}
		}
		sections[f[0]] = rest[:n]
		rest = rest[n:]
	}
	cp, err := openCheckpoint(what+": checkpoint", []byte(sections["checkpoint"]), logKey)
	if err != nil {
		return err
	}
	var mapRoot []byte
	for _, e := range cp.ext {
		if strings.HasPrefix(e, "quanpiao/status-map/v1 ") {
			if mapRoot != nil {
				return fmt.Errorf("%s: two status-map lines", what)
			}
			if mapRoot, err = base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(e, "quanpiao/status-map/v1 ")); err != nil || len(mapRoot) != 32 {
				return fmt.Errorf("%s: the status-map line is not the base64 of 32 bytes", what)
			}
		}
	}
	if mapRoot == nil {
		return fmt.Errorf("%s: the checkpoint has no status-map line", what)
	}
	// The map proof.
	pl := strings.Split(strings.TrimSuffix(sections["map"], "\n"), "\n")
	if len(pl) < 3 || pl[0] != "quanpiao/status-map-proof/v1" || !strings.HasPrefix(pl[1], "depth ") {
		return fmt.Errorf("%s: malformed map proof", what)
	}
	depth, err := decimal(strings.TrimPrefix(pl[1], "depth "))
	if err != nil || depth > 256 || int64(len(pl)) != 3+depth {
		return fmt.Errorf("%s: map proof depth", what)
	}
	keySum := sha256.Sum256([]byte("quanpiao/cert\n" + cert))
	key := keySum[:]
	bit := func(k []byte, i int64) byte { return (k[i/8] >> (7 - uint(i%8))) & 1 }
	h := make([]byte, 32)
	record, hasRecord := sections["record"]
	if pl[2] != "empty" {
		f := strings.Fields(pl[2])
		if len(f) != 3 || f[0] != "leaf" {
			return fmt.Errorf("%s: map proof end %q", what, pl[2])
		}
		lk, err1 := base64.StdEncoding.Strict().DecodeString(f[1])
		vh, err2 := base64.StdEncoding.Strict().DecodeString(f[2])
		if err1 != nil || err2 != nil || len(lk) != 32 || len(vh) != 32 {
			return fmt.Errorf("%s: map proof leaf", what)
		}
		if hasRecord {
			rh := sha256.Sum256([]byte(record))
			if hex.EncodeToString(lk) != hex.EncodeToString(key) || hex.EncodeToString(rh[:]) != hex.EncodeToString(vh) {
				return fmt.Errorf("%s: the map proof's leaf is not %s's record", what, cert)
			}
		} else {
			if hex.EncodeToString(lk) == hex.EncodeToString(key) {
				return fmt.Errorf("%s: the map proof's leaf is %s's", what, cert)
			}
			for i := int64(0); i < depth; i++ {
				if bit(lk, i) != bit(key, i) {
					return fmt.Errorf("%s: the map proof's leaf is off %s's path", what, cert)
				}
			}
		}
		leaf := sha256.Sum256(append(append([]byte{0x00}, lk...), vh...))
		h = leaf[:]
	} else if hasRecord {
		return fmt.Errorf("%s: a record, but the map proof ends in an empty subtree", what)
	}
	for i := depth - 1; i >= 0; i-- {
		sib := make([]byte, 32)
		if s := pl[3+i]; s != "-" {
			if sib, err = base64.StdEncoding.Strict().DecodeString(s); err != nil || len(sib) != 32 {
				return fmt.Errorf("%s: map proof sibling %d", what, i)
			}
		}
		var node [32]byte
		if bit(key, i) == 0 {
			node = sha256.Sum256(append(append([]byte{0x01}, h...), sib...))
		} else {
			node = sha256.Sum256(append(append([]byte{0x01}, sib...), h...))
		}
		h = node[:]
	}
	if hex.EncodeToString(h) != hex.EncodeToString(mapRoot) {
		return fmt.Errorf("%s: the map proof does not lead to the checkpoint's status-map root", what)
	}
	if !hasRecord {
		fmt.Printf("ok: %s is absent from the status map of %s at size %d\n", cert, cp.origin, cp.size)
		return nil
	}
	// The record's entry: in the checkpoint's tree, by tlog.
	state := ""
	for _, l := range strings.Split(record, "\n") {
		if strings.HasPrefix(l, "state ") {
			state = strings.TrimPrefix(l, "state ")
		}
		if strings.HasPrefix(l, "entry ") && strings.TrimPrefix(l, "entry ") != strconv.FormatInt(entryIndex, 10) {
			return fmt.Errorf("%s: the record names %s, the entry section %d", what, l, entryIndex)
		}
	}
	proof := sections["proof"]
	l1, r1, _ := cutLine(proof)
	l2, r2, _ := cutLine(r1)
	if l1 != "c2sp.org/tlog-proof@v1" || l2 != "index "+strconv.FormatInt(entryIndex, 10) {
		return fmt.Errorf("%s: the entry's proof is not a tlog-proof of index %d", what, entryIndex)
	}
	hashes, cpb, err := splitProof(what, r2)
	if err != nil {
		return err
	}
	pcp, err := openCheckpoint(what+": proof checkpoint", cpb, logKey)
	if err != nil {
		return err
	}
	if pcp.size != cp.size || pcp.root != cp.root {
		return fmt.Errorf("%s: the entry's proof is against another checkpoint", what)
	}
	leaf := tlog.RecordHash([]byte(sections["entry"]))
	if err := tlog.CheckRecord(tlog.RecordProof(hashes), cp.size, cp.root, entryIndex, leaf); err != nil {
		return fmt.Errorf("%s: entry %d: %v", what, entryIndex, err)
	}
	fmt.Printf("ok: %s is %s in the status map of %s at size %d (entry %d)\n", cert, state, cp.origin, cp.size, entryIndex)
	return nil
}

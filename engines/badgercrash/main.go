// Command badgercrash writes to and checks a Badger database opened the way Jaeger v2.20.0 opens
// its non-ephemeral Badger storage (internal/storage/v1/badger/factory.go: badger.DefaultOptions
// with separate key and value directories, SyncWrites off by default), to show that a copy of
// the directories taken after the writer is killed opens and holds every acknowledged write.
//
//	badgercrash write <keys> <values>        writes one entry per transaction until killed,
//	                                          printing "acked <n>" after each commit
//	badgercrash check <keys> <values> <n>    opens the database (replaying what it must) and
//	                                          checks entries 0..n-1; prints "found <count>"
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

func open(keys, values string) (*badger.DB, error) {
	opts := badger.DefaultOptions("")
	opts.Dir = keys
	opts.ValueDir = values
	opts.SyncWrites = false
	opts.Logger = nil
	return badger.Open(opts)
}

func key(n uint64) []byte {
	k := make([]byte, 9)
	k[0] = 's'
	binary.BigEndian.PutUint64(k[1:], n)
	return k
}

// A span-sized value (about 1 KiB), different for every entry.
func value(n uint64) []byte {
	v := make([]byte, 1024)
	for i := range v {
		v[i] = byte(n + uint64(i))
	}
	return v
}

func write(db *badger.DB) error {
	out := bufio.NewWriter(os.Stdout)
	for n := uint64(0); ; n++ {
		err := db.Update(func(txn *badger.Txn) error {
			return txn.SetEntry(badger.NewEntry(key(n), value(n)).WithTTL(72 * time.Hour))
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "acked %d\n", n+1)
		if n%100 == 0 {
			if err := out.Flush(); err != nil {
				return err
			}
		}
	}
}

func check(db *badger.DB, n uint64) error {
	found := uint64(0)
	err := db.View(func(txn *badger.Txn) error {
		for i := uint64(0); i < n; i++ {
			item, err := txn.Get(key(i))
			if err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
			got, err := item.ValueCopy(nil)
			if err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
			if string(got) != string(value(i)) {
				return fmt.Errorf("entry %d: value differs", i)
			}
			found++
		}
		return nil
	})
	fmt.Printf("found %d\n", found)
	return err
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: badgercrash write <keys> <values> | check <keys> <values> <n>")
		os.Exit(2)
	}
	db, err := open(os.Args[2], os.Args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	switch os.Args[1] {
	case "write":
		err = write(db)
	case "check":
		var n uint64
		if len(os.Args) < 5 {
			err = fmt.Errorf("check needs the number of acknowledged entries")
		} else if n, err = strconv.ParseUint(os.Args[4], 10, 64); err == nil {
			err = check(db, n)
		}
		if closeErr := db.Close(); err == nil {
			err = closeErr
		}
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

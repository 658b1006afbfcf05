// goreader ZIP: Go's archive/zip (central directory; CRC checked at the
// end of each entry). Prints "NAME<TAB>SHA-256" per file and "NAME<TAB>-"
// per folder, in archive order, as tests/readers/expect.py does.
package main

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
)

func main() {
	z, err := zip.OpenReader(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "goreader:", err)
		os.Exit(1)
	}
	defer z.Close()
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	buf := make([]byte, 1<<20)
	for _, f := range z.File {
		if f.FileInfo().IsDir() {
			fmt.Fprintf(w, "%s\t-\n", f.Name)
			continue
		}
		r, err := f.Open()
		if err != nil {
			fmt.Fprintln(os.Stderr, "goreader:", f.Name+":", err)
			os.Exit(1)
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(h, r, buf); err != nil {
			fmt.Fprintln(os.Stderr, "goreader:", f.Name+":", err)
			os.Exit(1)
		}
		r.Close()
		fmt.Fprintf(w, "%s\t%x\n", f.Name, h.Sum(nil))
	}
	if err := w.Flush(); err != nil {
		os.Exit(1)
	}
}

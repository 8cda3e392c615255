package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/smartmate/smartmate-mock/internal/testkeys"
	"github.com/smartmate/smartmate-mock/mockidp"
)

func TestRealmFilesOptionalFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "import")

	files, skipped, err := realmFiles([]string{missing}, missing)
	if err != nil {
		t.Fatalf("realmFiles with the optional folder missing returned %v, want no error", err)
	}
	if len(files) != 0 {
		t.Errorf("files = %q, want none", files)
	}
	if diff := cmp.Diff([]string{missing}, skipped); diff != "" {
		t.Errorf("skipped mismatch (-want +got):\n%s", diff)
	}
}

func TestRealmFilesMissingPathFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "acme-realm.json")

	if _, _, err := realmFiles([]string{missing}, filepath.Join(dir, "import")); err == nil {
		t.Errorf("realmFiles(%q) returned no error, want one for a missing file", missing)
	}
}

func TestRealmFilesFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"b-realm.json", "a-realm.json", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	empty := t.TempDir()

	files, skipped, err := realmFiles([]string{dir, empty}, empty)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a-realm.json"), filepath.Join(dir, "b-realm.json")}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("files mismatch (-want +got):\n%s", diff)
	}
	if len(skipped) != 0 {
		t.Errorf("skipped = %q, want none for a folder that exists", skipped)
	}
}

func TestRunImportsRealmFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	realm, err := mockidp.NewRealm("acme").SigningKey(testkeys.RSA(1)).EncryptionKey(testkeys.RSA(2)).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "acme-realm.json"), realm, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	exit := make(chan int, 1)
	args := []string{"start-dev", "--http-host", "127.0.0.1", "--http-port", "0", "--import-realm", dir}
	go func() { exit <- run(ctx, args, func(string) string { return "" }, io.Discard, io.Discard, ready) }()
	defer func() {
		cancel()
		if code := <-exit; code != 0 {
			t.Errorf("run exited with %d after shutdown, want 0", code)
		}
	}()

	var addr string
	select {
	case addr = <-ready:
	case code := <-exit:
		t.Fatalf("run exited with %d before serving", code)
	}
	resp, err := http.Get("http://" + addr + "/realms/acme/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("decoding discovery failed (status %d): %v", resp.StatusCode, err)
	}
	// Without --hostname, the issuer names the listen address.
	if got, want := doc.Issuer, "http://"+addr+"/realms/acme"; got != want {
		t.Errorf("issuer = %q, want %q", got, want)
	}
}

// Package testkeys loads the fixed RSA and EC keys that tests use, so that no
// test spends time generating a 2048-bit RSA key. The keys are public test
// material: never use them outside tests.
package testkeys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"fmt"
)

//go:embed testdata/*.pem
var files embed.FS

// RSA returns the fixed RSA test key number n, from 1 to 4. It panics when n
// is out of range, which is a bug in the calling test.
func RSA(n int) *rsa.PrivateKey {
	k, ok := load(fmt.Sprintf("testdata/rsa%d.pem", n)).(*rsa.PrivateKey)
	if !ok {
		panic(fmt.Sprintf("testkeys: rsa%d.pem is not an RSA key", n))
	}
	return k
}

// EC returns the fixed P-256 test key.
func EC() *ecdsa.PrivateKey {
	k, ok := load("testdata/ec1.pem").(*ecdsa.PrivateKey)
	if !ok {
		panic("testkeys: ec1.pem is not an EC key")
	}
	return k
}

// PEM returns the PKCS #8 PEM text of RSA test key number n.
func PEM(n int) []byte {
	b, err := files.ReadFile(fmt.Sprintf("testdata/rsa%d.pem", n))
	if err != nil {
		panic("testkeys: " + err.Error())
	}
	return b
}

func load(name string) crypto.Signer {
	b, err := files.ReadFile(name)
	if err != nil {
		panic("testkeys: " + err.Error())
	}
	block, _ := pem.Decode(b)
	if block == nil {
		panic("testkeys: no PEM block in " + name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic("testkeys: " + name + ": " + err.Error())
	}
	return k.(crypto.Signer)
}

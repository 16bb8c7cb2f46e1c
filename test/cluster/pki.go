package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki holds the paths of the credentials written by writePKI.
type pki struct {
	dir         string
	caCert      string
	caKey       string
	serverCert  string
	serverKey   string
	adminCert   string
	adminKey    string
	saKey       string // service-account token signing key (private)
	saPub       string // its public key, for the apiserver to verify tokens
	tokens      string // static token file
	token       string // bearer token of the admin user (system:masters)
	caPEM       []byte
	adminPEM    []byte
	adminKeyPEM []byte
}

// writePKI generates a CA, the apiserver's serving certificate (for 127.0.0.1, localhost and
// the in-cluster names), an admin client certificate, a service-account signing key and an
// admin token, all ECDSA P-256, and writes them to dir with mode 0600.
func writePKI(dir string, serviceIP net.IP) (*pki, error) {
	p := &pki{
		dir:        dir,
		caCert:     filepath.Join(dir, "ca.crt"),
		caKey:      filepath.Join(dir, "ca.key"),
		serverCert: filepath.Join(dir, "apiserver.crt"),
		serverKey:  filepath.Join(dir, "apiserver.key"),
		adminCert:  filepath.Join(dir, "admin.crt"),
		adminKey:   filepath.Join(dir, "admin.key"),
		saKey:      filepath.Join(dir, "sa.key"),
		saPub:      filepath.Join(dir, "sa.pub"),
		tokens:     filepath.Join(dir, "tokens.csv"),
	}
	now := time.Now().Add(-time.Hour) // tolerate small clock differences
	caKey, err := newKey()
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "berth-test-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, ca, err := sign(caTmpl, caTmpl, caKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("creating test CA: %w", err)
	}
	p.caPEM = pemBytes("CERTIFICATE", caDER)

	serverKey, err := newKey()
	if err != nil {
		return nil, err
	}
	serverDER, _, err := sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:   now,
		NotAfter:    now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), serviceIP},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
	}, ca, serverKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("creating apiserver certificate: %w", err)
	}

	adminKey, err := newKey()
	if err != nil {
		return nil, err
	}
	adminDER, _, err := sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "berth-test-admin", Organization: []string{"system:masters"}},
		NotBefore:   now,
		NotAfter:    now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ca, adminKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("creating admin certificate: %w", err)
	}
	p.adminPEM = pemBytes("CERTIFICATE", adminDER)
	if p.adminKeyPEM, err = keyPEM(adminKey); err != nil {
		return nil, err
	}

	saKey, err := newKey()
	if err != nil {
		return nil, err
	}
	saPubDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encoding service-account public key: %w", err)
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, fmt.Errorf("creating admin token: %w", err)
	}
	p.token = hex.EncodeToString(tok)

	files := []struct {
		path string
		data func() ([]byte, error)
	}{
		{p.caCert, constant(p.caPEM)},
		{p.caKey, func() ([]byte, error) { return keyPEM(caKey) }},
		{p.serverCert, constant(pemBytes("CERTIFICATE", serverDER))},
		{p.serverKey, func() ([]byte, error) { return keyPEM(serverKey) }},
		{p.adminCert, constant(p.adminPEM)},
		{p.adminKey, constant(p.adminKeyPEM)},
		{p.saKey, func() ([]byte, error) { return keyPEM(saKey) }},
		{p.saPub, constant(pemBytes("PUBLIC KEY", saPubDER))},
		{p.tokens, constant([]byte(p.token + `,berth-test-admin,berth-test-admin,"system:masters"` + "\n"))},
	}
	for _, f := range files {
		b, err := f.data()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(f.path, b, 0o600); err != nil {
			return nil, fmt.Errorf("writing %s: %w", f.path, err)
		}
	}
	return p, nil
}

func constant(b []byte) func() ([]byte, error) { return func() ([]byte, error) { return b, nil } }

func newKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating ECDSA key: %w", err)
	}
	return k, nil
}

// sign creates a certificate from tmpl signed by parent/parentKey and returns its DER bytes
// and parsed form.
func sign(tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) ([]byte, *x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return der, cert, nil
}

func keyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("encoding ECDSA key: %w", err)
	}
	return pemBytes("EC PRIVATE KEY", der), nil
}

func pemBytes(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

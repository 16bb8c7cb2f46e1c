package cluster

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// MutualTLS are the files WriteMutualTLS writes: a CA, a server certificate for 127.0.0.1
// and a client certificate, all signed by that CA (PEM, ECDSA P-256).
type MutualTLS struct {
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
}

// WriteMutualTLS generates a CA named cn, a serving certificate for 127.0.0.1 and localhost
// and a client certificate, and writes them to dir as ca.pem, server.pem, server-key.pem,
// cert.pem and key.pem (the client's names are buildctl's --tlsdir layout).
func WriteMutualTLS(dir, cn string) (*MutualTLS, error) {
	m := &MutualTLS{CA: filepath.Join(dir, "ca.pem"), ServerCert: filepath.Join(dir, "server.pem"),
		ServerKey: filepath.Join(dir, "server-key.pem"), ClientCert: filepath.Join(dir, "cert.pem"),
		ClientKey: filepath.Join(dir, "key.pem")}
	now := time.Now().Add(-time.Hour)
	caKey, err := newKey()
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{Subject: pkix.Name{CommonName: cn}, NotBefore: now, NotAfter: now.Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, ca, err := sign(caTmpl, caTmpl, caKey, caKey)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{m.CA: pemBytes("CERTIFICATE", caDER)}
	for _, leaf := range []struct {
		cert, key string
		tmpl      *x509.Certificate
	}{
		{m.ServerCert, m.ServerKey, &x509.Certificate{Subject: pkix.Name{CommonName: cn + "-server"},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}},
		{m.ClientCert, m.ClientKey, &x509.Certificate{Subject: pkix.Name{CommonName: cn + "-client"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}},
	} {
		key, err := newKey()
		if err != nil {
			return nil, err
		}
		leaf.tmpl.NotBefore, leaf.tmpl.NotAfter = now, now.Add(48*time.Hour)
		leaf.tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		der, _, err := sign(leaf.tmpl, ca, key, caKey)
		if err != nil {
			return nil, err
		}
		kp, err := keyPEM(key)
		if err != nil {
			return nil, err
		}
		files[leaf.cert], files[leaf.key] = pemBytes("CERTIFICATE", der), kp
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	for p, b := range files {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return nil, fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return m, nil
}

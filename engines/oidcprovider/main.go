// oidcprovider is the identity provider of the sign-in scenario (tests/e2e/signIn.e2e.ts): an
// OpenID Connect issuer over TLS built on github.com/oauth2-proxy/mockoidc, the provider
// oauth2-proxy's own tests use. It serves discovery, the authorization, token, userinfo and JWKS
// endpoints under https://<listen>/oidc, for one client whose ID and secret it is given.
//
// Who signs in: the authorization request may carry `login=<email>` and `groups=<g1,g2>`, and the
// code it answers with is for that account. A request with neither (a browser sent here) gets a
// login page instead, a form with those two fields that sends the same request again with them. Its groups reach the tokens only when the client asks for
// the "groups" scope, as with Dex, Okta and other providers that gate the claim behind a scope.
//
// It prints `issuer <url>` once it serves, and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/oauth2-proxy/mockoidc"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "host:port to serve on")
	certFile := flag.String("cert", "", "PEM certificate of the issuer's address")
	keyFile := flag.String("key", "", "PEM private key of -cert")
	clientID := flag.String("client-id", "", "the one client's ID")
	clientSecretFile := flag.String("client-secret-file", "", "file holding the one client's secret")
	flag.Parse()
	if *certFile == "" || *keyFile == "" || *clientID == "" || *clientSecretFile == "" {
		log.Fatal("oidcprovider: -cert, -key, -client-id and -client-secret-file are required")
	}
	secret, err := os.ReadFile(*clientSecretFile)
	if err != nil {
		log.Fatalf("oidcprovider: reading the client secret: %v", err)
	}
	certificate, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("oidcprovider: loading the certificate: %v", err)
	}

	provider, err := mockoidc.NewServer(nil)
	if err != nil {
		log.Fatalf("oidcprovider: %v", err)
	}
	provider.ClientID = *clientID
	provider.ClientSecret = strings.TrimSpace(string(secret))
	if err := provider.AddMiddleware(signInAs(provider)); err != nil {
		log.Fatalf("oidcprovider: %v", err)
	}
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("oidcprovider: %v", err)
	}
	// mockoidc's Start serves the listener as it is, and only notes the TLS config to name its
	// issuer https://: the TLS listener is made here.
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{certificate}, MinVersion: tls.VersionTLS12}
	if err := provider.Start(tls.NewListener(listener, tlsConfig), tlsConfig); err != nil {
		log.Fatalf("oidcprovider: %v", err)
	}
	fmt.Printf("issuer %s\n", provider.Issuer())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	if err := provider.Server.Shutdown(context.Background()); err != nil {
		log.Fatalf("oidcprovider: %v", err)
	}
}

// signInAs queues the account an authorization request names, and logs every request, so that a
// failing test shows what the client asked for.
func signInAs(provider *mockoidc.MockOIDC) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			log.Printf("oidcprovider: %s %s", r.Method, r.URL.Path)
			if r.URL.Path == mockoidc.AuthorizationEndpoint {
				query := r.URL.Query()
				log.Printf("oidcprovider: authorize scope=%q redirect_uri=%q login=%q groups=%q", query.Get("scope"), query.Get("redirect_uri"), query.Get("login"), query.Get("groups"))
				if query.Get("login") == "" {
					loginPage(w, query)
					return
				}
				if login := query.Get("login"); login != "" {
					user := &mockoidc.MockUser{Subject: login, Email: login, EmailVerified: true, PreferredUsername: strings.Split(login, "@")[0]}
					if groups := query.Get("groups"); groups != "" {
						user.Groups = strings.Split(groups, ",")
					}
					provider.QueueUser(user)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// The login page: the authorization request's own parameters, carried as hidden fields, plus the
// account's email and groups, sent back to the authorization endpoint.
var loginForm = template.Must(template.New("login").Parse(`<!doctype html>
<html><head><title>Sign in to the test issuer</title></head>
<body><h1>Sign in</h1>
<form method="get" action="{{.Action}}">
{{range $name, $values := .Query}}{{range $values}}<input type="hidden" name="{{$name}}" value="{{.}}">
{{end}}{{end}}<label>Email <input name="login" type="email" required></label>
<label>Groups (comma-separated) <input name="groups"></label>
<button type="submit">Sign in</button>
</form></body></html>
`))

func loginPage(w http.ResponseWriter, query url.Values) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := loginForm.Execute(w, map[string]any{"Action": mockoidc.AuthorizationEndpoint, "Query": query}); err != nil {
		log.Printf("oidcprovider: login page: %v", err)
	}
}

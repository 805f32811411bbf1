package org.culvert.openvpn.tls.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * {@code --pkcs12}: our certificate, private key and (used when there is no {@code --ca}) the CA
 * certificates from one PKCS#12 bundle. As OpenVPN, the empty password is tried first, then the
 * {@code --askpass} password.
 */
final class Pkcs12 {
    /** What the bundle held; the caller wipes {@code key} (see {@link Credentials#wipe(PrivateKeyInfo)}). */
    record Content(List<X509Certificate> chain, PrivateKeyInfo key, List<X509Certificate> cas) {
    }

    private Pkcs12() {
    }

    static Content read(byte[] der, char[] password) throws BadOption {
        char[] used = new char[0];
        KeyStore store = load(der, used);
        if (store == null) {
            if (password == null) {
                throw new BadOption("--pkcs12", false, "the PKCS#12 bundle is protected by a password and none was"
                        + " given: add --askpass FILE, or run on a terminal to be asked");
            }
            used = password;
            store = load(der, used);
            if (store == null) {
                throw new BadOption("--pkcs12", false, "cannot open the PKCS#12 bundle: wrong password (--askpass)?");
            }
        }
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                Key key = store.getKey(alias, used);
                Certificate leaf = store.getCertificate(alias);
                if (!(key instanceof PrivateKey) || !(leaf instanceof X509Certificate)) {
                    continue;
                }
                byte[] encoded = key.getEncoded();
                PrivateKeyInfo info;
                try {
                    info = PrivateKeyInfo.getInstance(encoded);
                } finally {
                    Arrays.fill(encoded, (byte) 0);
                }
                return new Content(List.of((X509Certificate) leaf), info, others(store, leaf));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new BadOption("--pkcs12", false, "cannot read the private key in the PKCS#12 bundle: "
                    + e.getClass().getSimpleName());
        }
        throw new BadOption("--pkcs12", false, "the PKCS#12 bundle holds no private key with its certificate");
    }

    /** Every other certificate in the bundle: the CA certificates OpenVPN takes from it. */
    private static List<X509Certificate> others(KeyStore store, Certificate leaf) throws GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
            List<Certificate> certs = new ArrayList<>();
            Certificate[] chain = store.getCertificateChain(alias);
            if (chain != null) {
                certs.addAll(Arrays.asList(chain));
            }
            if (store.getCertificate(alias) != null) {
                certs.add(store.getCertificate(alias));
            }
            for (Certificate c : certs) {
                if (c instanceof X509Certificate && !c.equals(leaf) && !out.contains(c)) {
                    out.add((X509Certificate) c);
                }
            }
        }
        return out;
    }

    /** The opened store, or null if the password is wrong; a malformed bundle is an error. */
    private static KeyStore load(byte[] der, char[] password) throws BadOption {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(der), password);
            return store;
        } catch (IOException e) {
            if (e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password")) {
                return null;
            }
            throw new BadOption("--pkcs12", false, "cannot parse the PKCS#12 bundle: " + e.getClass().getSimpleName());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new BadOption("--pkcs12", false, "cannot parse the PKCS#12 bundle: " + e.getClass().getSimpleName());
        }
    }
}

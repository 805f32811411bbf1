package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_KEY;
import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.CONFLICT;
import static org.culvert.openvpn.config.ConfigException.Reason.FILE_ERROR;
import static org.culvert.openvpn.config.ConfigException.Reason.UNSUPPORTED_OPTION;
import static org.culvert.openvpn.config.OptionArgs.describe;
import static org.culvert.openvpn.config.OptionArgs.direction;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.integer;
import static org.culvert.openvpn.config.OptionArgs.resolve;

import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.crypto.StaticKey;
import org.culvert.openvpn.crypto.StaticKeyException;

/**
 * OpenVPN 2.6 manual, "Protocol options" (data-channel ciphers and digests, static keys,
 * compression) and "Encryption Options" (key generation and the show-* listings).
 */
final class CryptoOptions {
    private CryptoOptions() {
    }

    static void register(OptionRegistry.Table t) {
        t.option("secret", 1, 2, CryptoOptions::setSecret);
        t.option("key-direction", 1, 1, (b, l) -> {
            b.keyDirection = direction(l, 0);
            b.keyDirectionWhere = l.where();
        });
        OptionRegistry.Handler cipher = (b, l) -> {
            b.cipherName = l.arg(0);
            b.cipherOption = l.name();
            b.cipherWhere = l.where();
            if (l.name().equals("data-ciphers-fallback")) {
                b.dataCiphersFallback = l.arg(0);
            }
        };
        t.option("cipher", 1, 1, cipher);
        t.option("data-ciphers-fallback", 1, 1, cipher);
        OptionRegistry.Handler dataCiphers = (b, l) -> {
            b.dataCiphers = List.copyOf(Arrays.asList(l.arg(0).split(":")));
            b.dataCiphersWhere = l.where();
        };
        t.option("data-ciphers", 1, 1, dataCiphers);
        t.option("ncp-ciphers", 1, 1, dataCiphers);
        t.option("auth", 1, 1, (b, l) -> {
            b.authName = l.arg(0);
            b.authWhere = l.where();
        });
        t.option("no-replay", (b, l) -> {
            throw error(UNSUPPORTED_OPTION, l, "refused: it turns off replay protection, which is insecure");
        });
        t.option("comp-lzo", 0, 1, CryptoOptions::setCompLzo);
        t.option("compress", 0, 1, CryptoOptions::setCompress);
        t.option("allow-compression", 1, 1, CryptoOptions::setAllowCompression);
        t.option("key-derivation", 1, 1, (b, l) -> {
            if (!l.arg(0).equals("tls-ekm")) {
                throw error(BAD_VALUE, l, "unknown key-derivation method '" + l.arg(0) + "' (OpenVPN knows tls-ekm)");
            }
            // Meant for a server's push (OPT_P_NCP); in a configuration file point-to-point peers negotiate it.
            b.keyDerivationEkm = true;
            if (!b.pushed) {
                b.warnings.add("--key-derivation is ignored: point-to-point peers negotiate it (tls-ekm whenever both"
                    + " support it)");
            }
        });
        t.permit("cipher", PullPermission.NCP);
        t.permit("key-derivation", PullPermission.NCP);
        t.permit("comp-lzo", PullPermission.COMP);
        t.permit("compress", PullPermission.COMP);
        t.option("allow-deprecated-insecure-static-crypto", 0, 0, (b, l) -> {
            b.allowDeprecatedInsecureStaticCrypto = true;
            b.warnings.add("--allow-deprecated-insecure-static-crypto is an OpenVPN 2.7 option: an OpenVPN 2.6 peer"
                    + " reading this configuration rejects it");
        });
        // The manual lists it with the protocol options; it is a TLS-mode setting (see TLS_ONLY).
        t.option("tran-window", 1, 1, (b, l) -> b.tranWindow = integer(l, 0, 1, Integer.MAX_VALUE));
        // It only steers adaptive compression on send, which Culvert never does.
        t.option("comp-noadapt", 0, 0, (b, l) -> {
        });
        t.notSupported("force-tls-key-material-export", "prng");
        // Encryption options: one-shot commands of openvpn, not tunnel settings
        t.notSupported("genkey", "show-ciphers", "show-digests", "show-engines", "show-groups", "show-tls");
    }

    private static void setSecret(OptionsBuilder b, Line l) throws ConfigException {
        char[] text;
        if (l.inline()) {
            text = l.arg(0).toCharArray();
            b.secretFile = null;
            b.secretInline = true;
            b.secretDirection = null;
        } else {
            Path file = resolve(l, l.arg(0));
            b.secretDirection = l.count() == 2 ? direction(l, 1) : null;
            try {
                text = OptionFiles.decode(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw error(FILE_ERROR, l, "cannot read key file '" + l.arg(0) + "': " + describe(e), e);
            }
            b.warnIfShared(file, l.arg(0));
            b.secretFile = file;
            b.secretInline = false;
        }
        try {
            b.secret = StaticKey.parse(CharBuffer.wrap(text));
        } catch (StaticKeyException e) {
            throw error(BAD_KEY, l, e.getMessage(), e);
        } finally {
            Arrays.fill(text, '\0');
        }
        b.secretWhere = l.where();
    }

    private static void setCompLzo(OptionsBuilder b, Line l) throws ConfigException {
        String v = l.count() == 1 ? l.arg(0) : null;
        if ("no".equals(v)) {
            b.compression = Compression.LZO_STUB;
        } else if (v == null || v.equals("yes") || v.equals("adaptive")) {
            b.compression = Compression.LZO;
        } else {
            throw error(BAD_VALUE, l, "bad value '" + v + "' (allowed: yes, no, adaptive)");
        }
        b.compressionWhere = l.where();
        b.compressionOption = l.name();
    }

    private static void setCompress(OptionsBuilder b, Line l) throws ConfigException {
        String v = l.count() == 1 ? l.arg(0) : "stub";
        switch (v) {
            case "stub":
                b.compression = Compression.STUB;
                break;
            case "stub-v2":
                b.compression = Compression.STUB_V2;
                break;
            case "lzo":
                b.compression = Compression.LZO;
                break;
            case "lz4":
                b.compression = Compression.LZ4;
                break;
            case "lz4-v2":
                b.compression = Compression.LZ4_V2;
                break;
            case "migrate":
                throw error(UNSUPPORTED_OPTION, l, "'migrate' is a server option; Culvert has no server mode"
                        + " (supported: stub, stub-v2, lzo, lz4, lz4-v2)");
            default:
                throw error(BAD_VALUE, l, "bad algorithm '" + v + "' (allowed: stub, stub-v2, lzo, lz4, lz4-v2, migrate)");
        }
        b.compressionWhere = l.where();
        b.compressionOption = l.name();
    }

    /**
     * OpenVPN 2.6's {@code check_compression_settings_valid} at startup, plus Culvert's one refusal:
     * with a real algorithm, {@code allow-compression no} (stub-only) is an error as in OpenVPN, no
     * {@code allow-compression} means {@code asym} as in OpenVPN 2.6, and {@code yes} is refused
     * because Culvert never compresses on send (OpenVPN would compress with it).
     */
    static void checkCompression(OptionsBuilder b) throws ConfigException {
        if (!b.compression.decompresses()) {
            return;
        }
        if (b.allowCompression == AllowCompression.NO) {
            throw b.at(CONFLICT, b.compressionWhere, b.compressionOption, "'--allow-compression no' conflicts with"
                    + " enabling compression (use 'comp-lzo no', 'compress stub' or 'compress stub-v2' for the"
                    + " framing only, or 'allow-compression asym' to decompress what the peer sends)");
        }
        if (b.allowCompression == AllowCompression.YES) {
            throw b.at(UNSUPPORTED_OPTION, b.allowCompressionWhere, "allow-compression", "'yes' with '"
                    + b.compressionOption + "' is not supported by Culvert: it never compresses what it sends"
                    + " (compressing before encrypting leaks plaintext, see VORACLE); use 'allow-compression asym'"
                    + " (the default): Culvert decompresses what the peer sends and sends uncompressed");
        }
        b.warnings.add(OptionWarnings.COMPRESSION_RECEIVING);
    }

    private static void setAllowCompression(OptionsBuilder b, Line l) throws ConfigException {
        String v = l.arg(0);
        b.allowCompressionWhere = l.where();
        if (v.equals("no")) {
            b.allowCompression = AllowCompression.NO;
            return;
        }
        if (b.allowCompression == AllowCompression.NO) {
            throw error(CONFLICT, l, "cannot be set to '" + v + "' after it was set to 'no'");
        }
        if (v.equals("asym")) {
            b.allowCompression = AllowCompression.ASYM;
        } else if (v.equals("yes")) {
            b.allowCompression = AllowCompression.YES;
        } else {
            throw error(BAD_VALUE, l, "bad value '" + v + "' (allowed: yes, no, asym)");
        }
    }
}

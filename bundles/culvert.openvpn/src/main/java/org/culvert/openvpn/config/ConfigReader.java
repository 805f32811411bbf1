package org.culvert.openvpn.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.config.OptionsBuilder.Where;

/** Feeds lines of configuration text (and {@code --config} includes) to one {@link OptionsBuilder}. */
final class ConfigReader implements OptionsBuilder.Includer {
    private final OptionsBuilder builder = new OptionsBuilder(this);
    private final Path baseDir;

    ConfigReader(Path baseDir) {
        this.baseDir = baseDir;
    }

    OptionsBuilder builder() {
        return builder;
    }

    void readText(String text, String source, int depth) throws ConfigException {
        readText(builder, text, source, 0, depth);
    }

    /** Reads {@code text} into {@code target}; its first line is line {@code lineOffset + 1} of {@code source}. */
    private void readText(OptionsBuilder target, String text, String source, int lineOffset, int depth)
            throws ConfigException {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNumber = lineOffset + i + 1;
            String line = i == 0 && lines[0].startsWith("\uFEFF") ? lines[0].substring(1) : lines[i];
            List<String> words;
            try {
                words = LineTokenizer.tokenize(line);
            } catch (LineTokenizer.SyntaxError e) {
                throw new ConfigException(ConfigException.Reason.BAD_VALUE, source, lineNumber, null, e.getMessage());
            }
            if (words.isEmpty()) {
                continue;
            }
            String first = words.get(0);
            if (first.length() >= 3 && first.startsWith("--")) {
                first = first.substring(2);
            }
            Where where = new Where(source, lineNumber);
            if (first.startsWith("</")) {
                throw new ConfigException(ConfigException.Reason.BAD_INLINE_BLOCK, source, lineNumber, null,
                        "closing tag " + first + " without an opening tag");
            }
            if (first.length() > 2 && first.startsWith("<") && first.endsWith(">")) {
                String tag = first.substring(1, first.length() - 1);
                if (target.inConnectionBlock) {
                    // A nested block is refused by name before its content is looked for.
                    ConnectionBlocks.checkContext(target, tag, where);
                }
                if (words.size() > 1) {
                    throw new ConfigException(ConfigException.Reason.BAD_INLINE_BLOCK, source, lineNumber, tag,
                            "unexpected text after <" + tag + ">; the block's content starts on the next line");
                }
                String close = "</" + tag + ">";
                StringBuilder content = new StringBuilder();
                int j = i + 1;
                while (j < lines.length && !lines[j].stripLeading().startsWith(close)) {
                    content.append(lines[j]).append('\n');
                    j++;
                }
                if (j == lines.length) {
                    throw new ConfigException(ConfigException.Reason.BAD_INLINE_BLOCK, source, lineNumber, tag,
                            "no " + close + " before the end of " + source);
                }
                i = j;
                target.apply(new Line(tag, List.of(content.toString()), true, where, baseDir, depth));
                continue;
            }
            target.apply(new Line(first, List.copyOf(words.subList(1, words.size())), false, where, baseDir, depth));
        }
    }

    void readArgs(List<String> args) throws ConfigException {
        if (args.size() == 1 && !args.get(0).startsWith("--")) {
            // "openvpn file.conf" means "openvpn --config file.conf".
            builder.apply(new Line("config", List.of(args.get(0)), false,
                    new Where(ConfigException.COMMAND_LINE, 0), baseDir, 0));
            return;
        }
        int i = 0;
        while (i < args.size()) {
            String option = args.get(i);
            if (!option.startsWith("--")) {
                throw new ConfigException(ConfigException.Reason.UNKNOWN_OPTION, ConfigException.COMMAND_LINE, 0,
                        option, "options start with '--'");
            }
            List<String> values = new ArrayList<>();
            i++;
            while (i < args.size() && !args.get(i).startsWith("--")) {
                values.add(args.get(i));
                i++;
            }
            builder.apply(new Line(option.substring(2), List.copyOf(values), false,
                    new Where(ConfigException.COMMAND_LINE, 0), baseDir, 0));
        }
    }

    @Override
    public void readBlock(OptionsBuilder target, String text, Where at, int depth) throws ConfigException {
        readText(target, text, at.source(), at.line(), depth);
    }

    @Override
    public void include(Path file, String displayName, Where from, int depth) throws ConfigException {
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why = e.getClass().getSimpleName().equals("NoSuchFileException") ? "no such file"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ConfigException(ConfigException.Reason.FILE_ERROR, from.source(), from.line(), "config",
                    "cannot read '" + displayName + "': " + why, e);
        }
        readText(text, displayName, depth);
    }
}

/// The text files of the bundled sample installation. Every secret here is fake.
enum SampleFiles {
    static let config = """
    # TeleClaude configuration for maurice's workstation.
    # Secrets live in .env and are referenced as ${VAR}.

    computer:
      name: workstation        # shown in session titles
      user: maurice
      role: development
      timezone: Europe/Amsterdam

    database:
      path: teleclaude.db      # relative to the project root

    telegram:
      bot_token: ${TELEGRAM_BOT_TOKEN}
      supergroup_id: -1001234567890
      user_whitelist: ${TELEGRAM_USER_IDS}

    discord:
      enabled: true
      token: ${DISCORD_BOT_TOKEN}
      guild_id: "998877665544332211"

    whatsapp:
      enabled: false
      phone_number_id: "1234567890"
      access_token: EAAfakeWhatsAppAccessTokenForTheSample   # pasted here before .env existed

    redis:
      enabled: false
      url: redis://localhost:6379
      password: ${REDIS_PASSWORD}

    agents:
      claude:
        enabled: true
        command: claude --dangerously-skip-permissions
      gemini:
        enabled: true
      codex:
        enabled: false

    stt:
      provider: openai         # whisper via API
    tts:
      enabled: true
      voice: alloy

    people:
      - name: Maurice Faber
        email: maurice@example.org
        username: maurice
        role: admin
      - name: Ada Example
        email: ada@example.org
        role: member

    ui:
      theme: dark
      compact_titles: true
    terminal:
      scrollback: 5000

    experiments:
      streaming_output: true

    """

    static let env = """
    # API keys and settings for TeleClaude (fake values for the sample)
    TELEGRAM_BOT_TOKEN=123456789:AAFakeTelegramTokenForTheSample000000
    TELEGRAM_USER_IDS=11111111,22222222
    DISCORD_BOT_TOKEN="MTAfakeDiscordTokenForTheSample.Gx1234.abcdefghijklmnopqrstuvwxyz"
    export OPENAI_API_KEY=sk-fake-sample-0000000000000000000000000000000000000000
    REDIS_PASSWORD='p4ss=with=equals'

    WORKING_DIR=${HOME}/Projects
    TELECLAUDE_LOG_LEVEL=INFO

    """

    static let docs: [(String, String)] = [
        ("guides/release-checklist.md", """
        ---
        id: guides/release-checklist
        type: procedure
        scope: project
        description: Steps before tagging a release
        visibility: internal
        ---
        # Release checklist

        1. Run `swift test`.
        2. Update the changelog.

        """),
        ("reference/git-conventions.md", """
        ---
        id: reference/git-conventions
        type: policy
        scope: global
        description: Commit message and branch conventions
        ---
        # Git conventions

        Small commits; messages say why.

        """),
        ("notes.txt", "Loose notes that are not a snippet.\n"),
        ("index.yaml", """
        project_root: /home/maurice/Projects/teleclaude
        snippets_root: /home/maurice/.teleclaude/docs
        snippets:
          - id: guides/release-checklist
            description: Steps before tagging a release
            type: procedure
            scope: project
            path: guides/release-checklist.md
            visibility: internal
          - id: reference/git-conventions
            description: Commit message and branch conventions
            type: policy
            scope: global
            path: reference/git-conventions.md
            visibility: internal

        """),
    ]
}

"""L'interface Streamlit : ce qui relie les pages au domaine (session, navigation, accès)."""

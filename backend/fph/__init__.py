"""Fonds de participation des habitants: funds, applications, committee decisions, payments, bilans."""
